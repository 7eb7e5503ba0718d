"""The statistics: scores, significance tests, clustering, reliability, planning.

``scores`` (counts, shares, Wilson intervals), ``comparisons`` (the public tests:
``compare``, ``compare_surveys``, ``compare_waves``), ``paired`` (``compare_items``),
``group_tests`` (each comparison's tests, independent or clustered), ``count_tests``
(tests from count tables, many families at once), ``clustered`` (design-based and
permutation tests of clustered rows), ``exact`` (exact conditional distributions),
``intervals`` (rank effect-size intervals), ``families`` (``adjust`` and the planned
families), ``plan`` (the report's planned tests), ``clustering`` (ICC), ``reliability``
(α, ω and the samverkansklimat index), ``models`` (ordinal regression), ``planning``
(detectable differences and sample sizes) and ``methods`` (the report's method tables).
The researcher's names are re-exported by :mod:`samverkan`.
"""
