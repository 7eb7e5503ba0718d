"""The statistics: scores, significance tests, exact distributions, models and planning.

``scores`` (counts, shares, Wilson intervals), ``comparisons`` (the public tests:
``compare``, ``compare_items``, ``compare_surveys``, ``compare_waves``, ``adjust``),
``count_tests`` (those tests computed from count tables, many families at once),
``exact`` (exact conditional distributions of rank and table statistics), ``models``
(ordinal regression) and ``planning`` (detectable differences and sample sizes). The
researcher's names are re-exported by :mod:`samverkan`.
"""
