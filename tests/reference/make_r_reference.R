# Produce the R reference values that tests/test_reference_backends.py checks
# the Python (scipy / statsmodels) calls against.
#
# Run from the repository root:
#     Rscript tests/reference/make_r_reference.R
# Needs: r-base-core, r-cran-mass, r-cran-jsonlite, r-cran-effectsize, r-cran-coin,
# r-cran-survey, r-cran-psych, r-cran-gparotation, r-cran-psychometric, r-cran-boot
# (Debian packages). Reads tests/reference/data/*.csv, writes
# tests/reference/r_reference.json. Nothing here is random: running it again
# with the same R and package versions gives the same file.

suppressPackageStartupMessages({
  library(jsonlite)
  library(MASS)
  library(effectsize)
  library(coin)
  library(survey)
  library(psych)
  library(psychometric)
  library(boot)
})

# ---------------------------------------------------------------------------
# Locate the reference folder (works with Rscript from any working directory).
args <- commandArgs(trailingOnly = FALSE)
script_arg <- sub("^--file=", "", args[grep("^--file=", args)])
ref_dir <- if (length(script_arg) == 1L) {
  dirname(normalizePath(script_arg))
} else {
  normalizePath(file.path("tests", "reference"))
}
data_dir <- file.path(ref_dir, "data")
read_data <- function(name) {
  read.csv(file.path(data_dir, name), stringsAsFactors = FALSE,
           fileEncoding = "UTF-8")
}

cases <- list()
# Store one case: the input file(s), how the R objects were built from them,
# the exact R call (deparsed from the evaluated expression) and its outputs.
add_case <- function(name, input, prep, expr, extract, note = NULL) {
  expr <- substitute(expr)
  value <- eval(expr, envir = parent.frame())
  entry <- list(
    input = input,
    prep = prep,
    call = paste(trimws(deparse(expr, width.cutoff = 500L)), collapse = " "),
    output = extract(value)
  )
  if (!is.null(note)) entry$note <- note
  cases[[name]] <<- entry
  invisible(value)
}
htest_out <- function(h) {
  out <- list(statistic = unname(h$statistic), p_value = unname(h$p.value))
  if (!is.null(h$parameter)) out$parameter <- unname(h$parameter)
  if (!is.null(h$estimate)) out$estimate <- unname(h$estimate)
  if (!is.null(h$conf.int)) out$conf_int <- as.numeric(h$conf.int)
  out$method <- h$method
  out$alternative <- h$alternative
  out
}

# ---------------------------------------------------------------------------
# 1. Two independent groups, ordinal 1..6 with ties (Mann-Whitney / Wilcoxon)
tg <- read_data("two_groups.csv")
x <- tg$value[tg$group == "Kommun"]
y <- tg$value[tg$group == "Myndighet"]
prep_xy <- paste("x <- value[group == 'Kommun'] (n = 14);",
                 "y <- value[group == 'Myndighet'] (n = 23); file order kept")

add_case("mwu_ties_asymptotic_two_sided", "data/two_groups.csv", prep_xy,
         wilcox.test(x, y, alternative = "two.sided", correct = TRUE, exact = FALSE),
         htest_out)
add_case("mwu_ties_asymptotic_less", "data/two_groups.csv", prep_xy,
         wilcox.test(x, y, alternative = "less", correct = TRUE, exact = FALSE),
         htest_out)
add_case("mwu_ties_asymptotic_greater", "data/two_groups.csv", prep_xy,
         wilcox.test(x, y, alternative = "greater", correct = TRUE, exact = FALSE),
         htest_out)
add_case("mwu_ties_asymptotic_two_sided_nocorrect", "data/two_groups.csv", prep_xy,
         wilcox.test(x, y, alternative = "two.sided", correct = FALSE, exact = FALSE),
         htest_out)

# Exact conditional (permutation) distribution with ties, via coin.
tg$group_f <- factor(tg$group, levels = c("Kommun", "Myndighet"))
coin_out <- function(w) {
  list(statistic_z = unname(as.numeric(statistic(w, type = "standardized"))),
       statistic_linear = unname(as.numeric(statistic(w, type = "linear"))),
       expectation = unname(as.numeric(expectation(w))),
       variance = unname(as.numeric(variance(w))),
       p_value = as.numeric(pvalue(w)))
}
prep_coin <- "tg$group_f <- factor(group, levels = c('Kommun', 'Myndighet'))"
add_case("mwu_ties_coin_exact_two_sided", "data/two_groups.csv", prep_coin,
         coin::wilcox_test(value ~ group_f, data = tg, distribution = "exact",
                           alternative = "two.sided"),
         coin_out,
         note = paste("Exact conditional distribution of the sum of mid-ranks",
                      "of group 'Kommun' (shift algorithm). Two-sided p is",
                      "P(|T - E T| >= |t - E T|)."))
add_case("mwu_ties_coin_exact_greater", "data/two_groups.csv", prep_coin,
         coin::wilcox_test(value ~ group_f, data = tg, distribution = "exact",
                           alternative = "greater"),
         coin_out,
         note = "'greater': the first level (Kommun) tends to larger values.")

# Exact distribution without ties (n = 7 vs 9).
ex <- read_data("exact_no_ties.csv")
ex_x <- ex$value[ex$group == "x"]
ex_y <- ex$value[ex$group == "y"]
prep_ex <- "ex_x <- value[group == 'x'] (n = 7); ex_y <- value[group == 'y'] (n = 9)"
add_case("mwu_exact_no_ties_two_sided", "data/exact_no_ties.csv", prep_ex,
         wilcox.test(ex_x, ex_y, alternative = "two.sided", exact = TRUE),
         htest_out)
add_case("mwu_exact_no_ties_less", "data/exact_no_ties.csv", prep_ex,
         wilcox.test(ex_x, ex_y, alternative = "less", exact = TRUE),
         htest_out)

# ---------------------------------------------------------------------------
# 2. Rank-biserial correlation (independent samples) with 95 % CI
es_out <- function(e) {
  out <- list(value = unname(e[[1]]))
  if ("CI_low" %in% names(e)) {
    out$ci <- e$CI
    out$ci_low <- e$CI_low
    out$ci_high <- e$CI_high
  }
  out
}
add_case("rank_biserial_independent", "data/two_groups.csv", prep_xy,
         effectsize::rank_biserial(x, y, ci = 0.95),
         es_out,
         note = paste("effectsize source: r = (U1 - U2)/(n1*n2) with mid-ranks;",
                      "CI = tanh(atanh(r) +/- qnorm(0.975) * sqrt((n1+n2+1)/(3*n1*n2)))."))
add_case("rank_biserial_exact_no_ties", "data/exact_no_ties.csv", prep_ex,
         effectsize::rank_biserial(ex_x, ex_y, ci = 0.95),
         es_out)

# ---------------------------------------------------------------------------
# 3. Kruskal-Wallis on four regions, rank epsilon squared
rg <- read_data("regions.csv")
rg$region_f <- factor(rg$region, levels = c("Norr", "Mitt", "Ost", "Syd"))
prep_rg <- "rg$region_f <- factor(region, levels = c('Norr','Mitt','Ost','Syd')); n = 8, 12, 16, 22"
add_case("kruskal_regions", "data/regions.csv", prep_rg,
         kruskal.test(value ~ region_f, data = rg),
         htest_out)
add_case("rank_epsilon_squared_regions", "data/regions.csv", prep_rg,
         effectsize::rank_epsilon_squared(value ~ region_f, data = rg, ci = NULL),
         es_out,
         note = paste("effectsize source: E = H / ((n^2 - 1)/(n + 1)) = H/(n - 1).",
                      "Its CI is a percentile bootstrap (boot, 200 iterations),",
                      "so only the point value is a reference value."))

# ---------------------------------------------------------------------------
# 4. Contingency tables
t24 <- read_data("table_2x4.csv")
tab24 <- as.matrix(t24[, -1])
dimnames(tab24) <- list(answer = t24$answer, region = colnames(t24)[-1])
prep_t24 <- "tab24 <- as.matrix(table_2x4.csv[, -1]) (rows ja/nej, columns Norr/Mitt/Ost/Syd)"
add_case("chisq_2x4", "data/table_2x4.csv", prep_t24,
         suppressWarnings(chisq.test(tab24, correct = FALSE)),
         function(h) c(htest_out(h), list(expected = unname(h$expected))),
         note = "R warns 'Chi-squared approximation may be incorrect' (expected < 5).")
add_case("fisher_2x4", "data/table_2x4.csv", prep_t24,
         fisher.test(tab24),
         htest_out,
         note = paste("r x c network algorithm (Fisher-Freeman-Halton): p = sum of",
                      "the probabilities of all tables with the same margins whose",
                      "probability is <= (1 + 1e-7) * P(observed)."))
add_case("cramers_v_2x4", "data/table_2x4.csv", prep_t24,
         effectsize::cramers_v(tab24, adjust = FALSE),
         es_out,
         note = paste("V = sqrt(X2 / (n * (min(r, c) - 1))). The CI is one-sided",
                      "(alternative = 'greater', upper bound fixed at 1); its lower",
                      "bound comes from the noncentral chi-square found with",
                      "optim (Nelder-Mead, abstol 1e-9)."))

t22 <- read_data("table_2x2.csv")
tab22 <- as.matrix(t22[, -1])
dimnames(tab22) <- list(answer = t22$answer, group = colnames(t22)[-1])
prep_t22 <- "tab22 <- as.matrix(table_2x2.csv[, -1]) (rows ja/nej, columns Kommun/Myndighet)"
add_case("fisher_2x2", "data/table_2x2.csv", prep_t22,
         fisher.test(tab22),
         htest_out,
         note = paste("estimate = conditional MLE of the odds ratio; estimate and",
                      "CI are found with uniroot at its default tol",
                      "(.Machine$double.eps^0.25), so they are accurate to ~1e-4 only."))
# The same conditional MLE and exact CI, solved with a tight tolerance. These
# are the definitions fisher.test uses (noncentral hypergeometric of the [1, 1]
# cell given all margins), only uniroot's tol differs.
cond_or_tight <- function(tab, conf.level = 0.95, tol = 1e-13) {
  m <- sum(tab[, 1L]); n <- sum(tab[, 2L]); k <- sum(tab[1L, ]); x0 <- tab[1L, 1L]
  support <- max(0, k - n):min(k, m)
  logdc <- dhyper(support, m, n, k, log = TRUE)
  dnhyper <- function(lncp) {
    d <- logdc + lncp * support
    d <- exp(d - max(d))
    d / sum(d)
  }
  mnhyper <- function(lncp) sum(support * dnhyper(lncp))
  p_le <- function(lncp) sum(dnhyper(lncp)[support <= x0])
  p_ge <- function(lncp) sum(dnhyper(lncp)[support >= x0])
  alpha <- (1 - conf.level) / 2
  root <- function(f) exp(uniroot(f, c(-30, 30), tol = tol)$root)
  list(estimate = root(function(l) mnhyper(l) - x0),
       conf_int = c(root(function(l) p_ge(l) - alpha),
                    root(function(l) p_le(l) - alpha)))
}
add_case("fisher_2x2_or_tight_tol", "data/table_2x2.csv", prep_t22,
         cond_or_tight(tab22, conf.level = 0.95, tol = 1e-13),
         function(v) v,
         note = paste("Conditional MLE (E[X11 | margins; psi] = x11) and exact CI",
                      "(P(X11 >= x11; psi_low) = 0.025, P(X11 <= x11; psi_high) = 0.025)",
                      "solved with uniroot on log(psi), tol = 1e-13; see cond_or_tight()",
                      "in make_r_reference.R."))
add_case("cramers_v_2x2", "data/table_2x2.csv", prep_t22,
         effectsize::cramers_v(tab22, adjust = FALSE),
         es_out,
         note = paste("2x2: V = phi = sqrt(X2/n) (uncorrected X2). One-sided CI",
                      "(alternative = 'greater'): lower = sqrt(ncp/n) with ncp solving",
                      "pchisq(X2, df, ncp) = 0.95 (optim, Nelder-Mead); upper fixed at 1."))
add_case("chisq_2x2_nocorrect", "data/table_2x2.csv", prep_t22,
         suppressWarnings(chisq.test(tab22, correct = FALSE)),
         function(h) c(htest_out(h), list(expected = unname(h$expected))))

# ---------------------------------------------------------------------------
# 5. McNemar on 'high values' (steps 4-6) of two paired items
pr <- read_data("paired.csv")
high_a <- factor(pr$item_a >= 4, levels = c(TRUE, FALSE), labels = c("hog", "ej_hog"))
high_b <- factor(pr$item_b >= 4, levels = c(TRUE, FALSE), labels = c("hog", "ej_hog"))
tab_mc <- table(item_a = high_a, item_b = high_b)
n_b <- tab_mc[1, 2]  # a high, b not high
n_c <- tab_mc[2, 1]  # a not high, b high
prep_mc <- paste("high = value >= 4 (steps 4-6); tab_mc <- table(item_a = high_a,",
                 "item_b = high_b) with level order (hog, ej_hog);",
                 "n_b <- tab_mc[1, 2]; n_c <- tab_mc[2, 1]")
cases[["mcnemar_table"]] <- list(
  input = "data/paired.csv", prep = prep_mc, call = "unclass(tab_mc)",
  output = list(table = unname(unclass(tab_mc)), b = n_b, c = n_c))
add_case("mcnemar_correct", "data/paired.csv", prep_mc,
         mcnemar.test(tab_mc, correct = TRUE), htest_out)
add_case("mcnemar_nocorrect", "data/paired.csv", prep_mc,
         mcnemar.test(tab_mc, correct = FALSE), htest_out)
add_case("mcnemar_exact_binom", "data/paired.csv", prep_mc,
         binom.test(n_b, n_b + n_c, p = 0.5), htest_out)

# ---------------------------------------------------------------------------
# 6. Paired Wilcoxon signed rank with ties and zero differences
a <- pr$item_a
b <- pr$item_b
prep_ab <- "a <- item_a; b <- item_b (30 respondents; a - b has 11 zeros and many ties)"
add_case("wilcoxon_paired_two_sided", "data/paired.csv", prep_ab,
         suppressWarnings(wilcox.test(a, b, paired = TRUE, alternative = "two.sided",
                                      correct = TRUE, exact = FALSE)),
         htest_out)
add_case("wilcoxon_paired_greater", "data/paired.csv", prep_ab,
         suppressWarnings(wilcox.test(a, b, paired = TRUE, alternative = "greater",
                                      correct = TRUE, exact = FALSE)),
         htest_out)
add_case("rank_biserial_paired", "data/paired.csv", prep_ab,
         suppressWarnings(effectsize::rank_biserial(a, b, paired = TRUE, ci = 0.95)),
         es_out,
         note = paste("effectsize 0.8.3 source: r = (R+ - R-)/(nd*(nd+1)/2) over the",
                      "nonzero differences, but the CI's SE uses nd <- sum((x - mu) != 0)",
                      "on x = a itself (not on a - b), i.e. nd = 30 here, not 19:",
                      "SE = sqrt((2*nd^3 + 3*nd^2 + nd)/6) / ((nd^2 + nd)/2)."))
add_case("rank_biserial_paired_on_differences", "data/paired.csv", prep_ab,
         suppressWarnings(effectsize::rank_biserial(a - b, ci = 0.95)),
         es_out,
         note = paste("Same r; passing the differences makes nd the number of",
                      "nonzero differences (19) in the CI's SE."))

# ---------------------------------------------------------------------------
# 7. Multiple comparisons
pv <- read_data("p_values.csv")
p <- pv$p
prep_p <- "p <- p_values.csv$p (file order, unsorted, with ties)"
for (m in c("holm", "BH", "bonferroni")) {
  cases[[paste0("p_adjust_", m)]] <- list(
    input = "data/p_values.csv", prep = prep_p,
    call = sprintf("p.adjust(p, method = \"%s\")", m),
    output = list(adjusted = p.adjust(p, method = m)))
}

# ---------------------------------------------------------------------------
# 8. Wilson score interval for one proportion
pp <- read_data("proportions.csv")
wilson <- lapply(seq_len(nrow(pp)), function(i) {
  h <- suppressWarnings(prop.test(pp$x[i], pp$n[i], correct = FALSE))
  list(x = pp$x[i], n = pp$n[i], estimate = unname(h$estimate),
       conf_int = as.numeric(h$conf.int))
})
cases[["wilson_ci"]] <- list(
  input = "data/proportions.csv", prep = "for each row: x, n",
  call = "suppressWarnings(prop.test(x, n, correct = FALSE))$conf.int",
  output = list(rows = wilson),
  note = "prop.test sets the lower limit to exactly 0 when x = 0 and the upper to exactly 1 when x = n.")

# ---------------------------------------------------------------------------
# 9. Difference of two independent proportions
tp <- read_data("two_proportions.csv")
for (i in seq_len(nrow(tp))) {
  xx <- c(tp$x1[i], tp$x2[i])
  nn <- c(tp$n1[i], tp$n2[i])
  add_case(paste0("prop_test_2sample_", tp$case[i]), "data/two_proportions.csv",
           sprintf("row '%s': xx <- c(x1, x2) = c(%d, %d); nn <- c(n1, n2) = c(%d, %d)",
                   tp$case[i], xx[1], xx[2], nn[1], nn[2]),
           suppressWarnings(prop.test(xx, nn, correct = FALSE)),
           htest_out,
           note = paste("Statistic = Pearson X2 of the 2x2 table = square of the",
                        "pooled z; conf.int = Wald interval of p1 - p2 (unpooled SE),",
                        "clipped to [-1, 1]. Base R has no Newcombe interval."))
}

# Newcombe's hybrid score interval of p1 - p2 (Newcombe 1998, method 10), built
# from the two Wilson intervals that prop.test(correct = FALSE) returns.
newcombe <- function(x1, n1, x2, n2, conf.level = 0.95) {
  w1 <- suppressWarnings(prop.test(x1, n1, correct = FALSE, conf.level = conf.level))$conf.int
  w2 <- suppressWarnings(prop.test(x2, n2, correct = FALSE, conf.level = conf.level))$conf.int
  p1 <- x1 / n1; p2 <- x2 / n2; d <- p1 - p2
  list(estimate = d,
       conf_int = c(d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2),
                    d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2)))
}
for (i in seq_len(nrow(tp))) {
  add_case(paste0("newcombe_diff_", tp$case[i]), "data/two_proportions.csv",
           sprintf("row '%s'", tp$case[i]),
           newcombe(tp$x1[i], tp$n1[i], tp$x2[i], tp$n2[i]),
           function(v) v,
           note = "Newcombe hybrid score CI from the Wilson limits of prop.test(correct = FALSE); see newcombe().")
}

# ---------------------------------------------------------------------------
# 10. Power / sample size for two proportions
pw <- read_data("power_cases.csv")
power_out <- function(h) list(n = h$n, p1 = h$p1, p2 = h$p2, power = h$power,
                              sig_level = h$sig.level, alternative = h$alternative)
for (i in seq_len(nrow(pw))) {
  r <- pw[i, ]
  if (r$solve_for == "n") {
    p1v <- r$p1; p2v <- r$p2; pwv <- r$power; sigv <- r$sig_level
    prep <- sprintf("p1v <- %s; p2v <- %s; pwv <- %s; sigv <- %s", p1v, p2v, pwv, sigv)
    add_case(paste0("power_prop_", r$case), "data/power_cases.csv", prep,
             power.prop.test(p1 = p1v, p2 = p2v, power = pwv, sig.level = sigv),
             power_out,
             note = "Default tol = .Machine$double.eps^0.25: uniroot result, accurate to ~1e-4 in n.")
    add_case(paste0("power_prop_", r$case, "_tol1e-10"), "data/power_cases.csv", prep,
             power.prop.test(p1 = p1v, p2 = p2v, power = pwv, sig.level = sigv, tol = 1e-10),
             power_out)
    add_case(paste0("power_prop_", r$case, "_strict"), "data/power_cases.csv", prep,
             power.prop.test(p1 = p1v, p2 = p2v, power = pwv, sig.level = sigv,
                             strict = TRUE, tol = 1e-10),
             power_out,
             note = "strict = TRUE adds the far-tail rejection probability.")
  } else {
    p1v <- r$p1; nv <- r$n; pwv <- r$power; sigv <- r$sig_level
    prep <- sprintf("p1v <- %s; nv <- %s; pwv <- %s; sigv <- %s", p1v, nv, pwv, sigv)
    add_case(paste0("power_prop_", r$case), "data/power_cases.csv", prep,
             power.prop.test(n = nv, p1 = p1v, power = pwv, sig.level = sigv),
             power_out,
             note = "Default tol = .Machine$double.eps^0.25: p2 accurate to ~1e-4.")
    add_case(paste0("power_prop_", r$case, "_tol1e-10"), "data/power_cases.csv", prep,
             power.prop.test(n = nv, p1 = p1v, power = pwv, sig.level = sigv, tol = 1e-10),
             power_out)
  }
}

# ---------------------------------------------------------------------------
# 11. Proportional odds model
po <- read_data("ordinal_polr.csv")
po$y_ord <- ordered(po$y, levels = 1:6)
po$storlek <- factor(po$storlek, levels = c("liten", "mellan", "stor"))
prep_po <- paste("y_ord <- ordered(y, levels = 1:6);",
                 "storlek <- factor(storlek, levels = c('liten','mellan','stor'));",
                 "offentlig numeric 0/1 (treatment contrasts, reference 'liten')")
polr_out <- function(fit) {
  V <- vcov(fit)
  pc <- length(coef(fit))
  se <- sqrt(diag(V))
  z <- qnorm(0.975)
  beta <- coef(fit)
  theta_se <- sqrt(diag(ginv(fit$Hessian)))
  list(coef_names = names(beta),
       coefficients = unname(beta),
       coef_se = unname(se[seq_len(pc)]),
       zeta_names = names(fit$zeta),
       zeta = unname(fit$zeta),
       zeta_se = unname(se[-seq_len(pc)]),
       theta = unname(c(fit$zeta[1], log(diff(fit$zeta)))),
       theta_se = unname(theta_se[-seq_len(pc)]),
       odds_ratio = unname(exp(beta)),
       odds_ratio_ci_low = unname(exp(beta - z * se[seq_len(pc)])),
       odds_ratio_ci_high = unname(exp(beta + z * se[seq_len(pc)])),
       z_crit = z,
       deviance = fit$deviance,
       loglik = as.numeric(logLik(fit)),
       convergence = fit$convergence,
       niter = unname(fit$niter))
}
add_case("polr_logistic", "data/ordinal_polr.csv", prep_po,
         MASS::polr(y_ord ~ offentlig + storlek, data = po, method = "logistic", Hess = TRUE),
         polr_out,
         note = paste("logit P(Y <= j) = zeta_j - x'beta. SEs from vcov.polr: ginv of the",
                      "optim (BFGS) Hessian in theta = (zeta_1, log diff zeta), mapped to",
                      "zeta by the Jacobian. theta_se = sqrt(diag(ginv(Hessian))) for the",
                      "threshold block. Wald CI for exp(coef): exp(coef +/- qnorm(0.975)*SE)."))

# ---------------------------------------------------------------------------
# 12. The report's Tabell 4 as printed (FoU rapport 2017:1, page 37): unit rows in a
# fixed, structured collaboration group (ja) or not (nej), by region. The report did
# not test it; this is the test samverkan reproduces from the baseline sample.
# data/tabell4.csv holds the printed counts: ja 66/69/81/66 of n 162/165/219/215.
t4 <- read_data("tabell4.csv")
tab4 <- as.matrix(t4[, -1])
dimnames(tab4) <- list(answer = t4$answer, region = colnames(t4)[-1])
prep_tab4 <- "tab4 <- as.matrix(tabell4.csv[, -1]) (rows ja/nej, columns the four regions; Tabell 4, n = 761)"
add_case("tabell4_chisq", "data/tabell4.csv", prep_tab4,
         chisq.test(tab4, correct = FALSE),
         function(h) c(htest_out(h), list(expected = unname(h$expected))))
add_case("tabell4_cramers_v", "data/tabell4.csv", prep_tab4,
         effectsize::cramers_v(tab4, adjust = FALSE), es_out)


# ---------------------------------------------------------------------------
# 13. Newcombe's (2006) score interval of the rank-biserial correlation, method 5:
# solve (A - theta)^2 = z^2 * deff * V(theta) with the Hanley-McNeil variance at theta
# and both group sizes replaced by N* = (m + n)/2. Written out here from the paper
# (no R package implements it): R's uniroot, tol 1e-12, against the package's bisection.
newcombe5 <- function(x, y, conf.level = 0.95, deff = 1) {
  m <- length(x); n <- length(y)
  A <- mean(outer(x, y, ">") + 0.5 * outer(x, y, "=="))
  Ns <- (m + n) / 2
  z <- qnorm(1 - (1 - conf.level) / 2)
  V <- function(t) t * (1 - t) / (m * n) * (1 + (Ns - 1) * ((1 - t) / (2 - t) + t / (1 + t)))
  f <- function(t) (A - t)^2 - z^2 * deff * V(t)
  # f(1) = 0 when A = 1 (and f(0) = 0 when A = 0): search just inside, where f < 0.
  lo <- if (A > 0) uniroot(f, c(0, min(A, 1 - 1e-9)), tol = 1e-12)$root else 0
  hi <- if (A < 1) uniroot(f, c(max(A, 1e-9), 1), tol = 1e-12)$root else 1
  list(r = 2 * A - 1, ci_low = 2 * lo - 1, ci_high = 2 * hi - 1)
}
add_case("rank_biserial_newcombe5_two_groups", "data/two_groups.csv", prep_xy,
         newcombe5(x, y), function(v) v,
         note = "Newcombe (2006), Stat Med 25:559-573, method 5; see newcombe5().")
add_case("rank_biserial_newcombe5_no_ties", "data/exact_no_ties.csv", prep_ex,
         newcombe5(ex_x, ex_y), function(v) v)
add_case("rank_biserial_newcombe5_two_groups_deff2", "data/two_groups.csv", prep_xy,
         newcombe5(x, y, deff = 2), function(v) v,
         note = "The same with the variance doubled (design effect 2).")
sp <- read_data("separated.csv")
sp_x <- sp$value[sp$group == "x"]; sp_y <- sp$value[sp$group == "y"]
add_case("rank_biserial_newcombe5_separated", "data/separated.csv",
         "sp_x <- value[group == 'x'] (n = 6); sp_y <- value[group == 'y'] (n = 7): every x above every y",
         newcombe5(sp_x, sp_y), function(v) v,
         note = "r = 1: the interval is [L, 1] with L < 1 (it does not collapse).")

# ---------------------------------------------------------------------------
# 14. Clustered rows: respondents with several unit rows (data/clustered.csv, 48
# respondents, 60 rows), the respondent as the cluster (survey package).
cl <- read_data("clustered.csv")
cl$high <- cl$value >= 4
prep_cl <- paste("cl$high <- value >= 4; des <- svydesign(ids = ~respondent, data = cl, weights = ~1)",
                 "(equal weights); cl2 <- rows of Norr and Mitt with g = factor(region,",
                 "levels = c('Mitt', 'Norr')) and des2 the same design")
cl$w <- 1
des <- svydesign(ids = ~respondent, data = cl, weights = ~w)
cl2 <- cl[cl$region %in% c("Norr", "Mitt"), ]
cl2$g <- factor(cl2$region, levels = c("Mitt", "Norr"))
des2 <- svydesign(ids = ~respondent, data = cl2, weights = ~w)
rank_out <- function(h) list(statistic = unname(h$statistic), parameter = unname(h$parameter),
                             ddf = if (is.null(h$ddf)) NULL else unname(h$ddf), p_value = h$p.value,
                             method = h$method)
add_case("svyranktest_three_regions", "data/clustered.csv", prep_cl,
         svyranktest(value ~ region, des), rank_out,
         note = paste("multiranktest: 'parameter' is the Wald chi-square of the k - 1 rank-score",
                      "differences, 'statistic' its df; p = pf(chisq/df, df, ddf), ddf = degf - df."))
add_case("svyranktest_two_regions", "data/clustered.csv", prep_cl,
         svyranktest(value ~ g, des2), rank_out,
         note = "t of the difference in mean rank score (Norr - Mitt), df = clusters - 2.")
chisq_out <- function(h) list(statistic = unname(h$statistic), parameter = unname(h$parameter),
                              p_value = h$p.value, method = h$method)
add_case("svychisq_three_regions", "data/clustered.csv", prep_cl,
         svychisq(~high + region, des, statistic = "F"), chisq_out,
         note = "Rao-Scott second-order: F = X2 / tr(Delta) on (d0, d0 * (clusters - 1)) df.")
add_case("svychisq_two_regions", "data/clustered.csv", prep_cl,
         svychisq(~high + g, des2, statistic = "F"), chisq_out)
add_case("pearson_three_regions_rows", "data/clustered.csv", prep_cl,
         suppressWarnings(chisq.test(table(cl$high, cl$region), correct = FALSE)), htest_out,
         note = "Pearson's X2 of the 60 rows, the statistic the package reports beside the Rao-Scott p.")

# ---------------------------------------------------------------------------
# 15. Intraclass correlation (one-way ANOVA) with Searle's F interval.
prep_icc <- "rg: regions.csv (clusters Norr 8, Mitt 12, Ost 16, Syd 22); rgb: the first 8 rows of each region"
icc_def <- function(values, cluster, conf.level = 0.95) {
  mod <- summary(aov(values ~ factor(cluster)))[[1]]
  msb <- mod[1, 3]; msw <- mod[2, 3]; df1 <- mod[1, 1]; df2 <- mod[2, 1]
  m <- table(cluster); N <- sum(m); C <- length(m)
  n0 <- (N - sum(m^2) / N) / (C - 1)
  Fobs <- msb / msw
  Fl <- Fobs / qf(1 - (1 - conf.level) / 2, df1, df2)
  Fu <- Fobs / qf((1 - conf.level) / 2, df1, df2)
  list(icc = (msb - msw) / (msb + (n0 - 1) * msw), ci_low = (Fl - 1) / (Fl + n0 - 1),
       ci_high = (Fu - 1) / (Fu + n0 - 1), n0 = n0)
}
add_case("icc_anova_unbalanced", "data/regions.csv", prep_icc,
         icc_def(rg$value, rg$region), function(v) v,
         note = "Mean squares from R's aov; n0 = (N - sum(m^2)/N)/(C - 1); see icc_def().")
rgb <- do.call(rbind, lapply(split(rg, rg$region), function(d) d[1:8, ]))
add_case("icc_anova_balanced_psychometric", "data/regions.csv", prep_icc,
         psychometric::ICC1.CI(value, region, rgb), function(v) as.list(v),
         note = "Equal cluster sizes: psychometric's mean-size interval equals the n0 one.")

# ---------------------------------------------------------------------------
# 16. Reliability of the nine staff indicator items (549 complete respondents of the
# synthetic baseline sample, data/reliability.csv): psych::alpha, alpha.ci, omega.
rl <- read_data("reliability.csv")[, -1]
prep_rl <- "rl <- reliability.csv without the respondent column (549 x 9, steps 1-6)"
add_case("psych_alpha", "data/reliability.csv", prep_rl,
         psych::alpha(rl), function(a) list(raw_alpha = a$total$raw_alpha, r_drop = unname(a$item.stats$r.drop),
                                            alpha_drop = unname(a$alpha.drop$raw_alpha), n = nrow(rl)))
add_case("psych_alpha_ci_feldt", "data/reliability.csv", prep_rl,
         psych::alpha.ci(psych::alpha(rl)$total$raw_alpha, n.obs = nrow(rl), n.var = ncol(rl)),
         function(a) list(lower = a$lower.ci, alpha = a$alpha, upper = a$upper.ci))
add_case("psych_omega_one_factor_ml", "data/reliability.csv", prep_rl,
         suppressWarnings(psych::omega(rl, nfactors = 1, fm = "ml", plot = FALSE)),
         function(o) list(omega_tot = o$omega.tot),
         note = "One factor: omega_t = 1 - sum(uniquenesses) / sum(R) with ML loadings.")
add_case("factanal_one_factor", "data/reliability.csv", prep_rl,
         factanal(rl, factors = 1), function(f) list(uniquenesses = unname(f$uniquenesses)))
idx <- rowMeans((as.matrix(rl) - 1) / 5 * 100)
add_case("climate_index_t_interval", "data/reliability.csv",
         paste(prep_rl, "; idx <- rowMeans((rl - 1) / 5 * 100)"),
         t.test(idx), function(h) list(mean = unname(h$estimate), conf_int = as.numeric(h$conf.int)))

# ---------------------------------------------------------------------------
# 17. Planning with the report's alpha and a design effect: n / deff answers per wave,
# alpha = 0.05 / 18 (Bonferroni's bound for Holm over the 18 confirmatory tests).
pd <- read_data("planning_deff.csv")
add_case("power_prop_planning_deff", "data/planning_deff.csv",
         "pd: n = 600 answers, design effect 1.5, p1 = 0.55, power 0.8, alpha 0.05 over 18 tests",
         power.prop.test(n = pd$n / pd$deff, p1 = pd$p1, power = pd$power, sig.level = pd$alpha / pd$tests,
                         tol = 1e-10),
         power_out)

# ---------------------------------------------------------------------------
# 18. BCa bootstrap of the matched-pairs rank-biserial correlation (boot package, R =
# 20000): a Monte Carlo value, compared with a tolerance of 0.03.
set.seed(20161001)
mp_stat <- function(d, i) {
  d <- d[i]; d <- d[d != 0]; r <- rank(abs(d))
  (sum(r[d > 0]) - sum(r[d < 0])) / (length(d) * (length(d) + 1) / 2)
}
add_case("paired_rank_biserial_bca_boot", "data/paired.csv",
         "dd <- item_a - item_b (30 pairs, zeros kept: a resample draws pairs); set.seed(20161001)",
         boot::boot.ci(boot::boot(a - b, mp_stat, R = 20000), type = "bca"),
         function(ci) list(t0 = ci$t0, bca = ci$bca[4:5]),
         note = "Random: the package's BCa (scipy.stats.bootstrap) must agree within 0.03.")

# ---------------------------------------------------------------------------
pkgs <- c("stats", "MASS", "jsonlite", "effectsize", "coin", "datawizard", "insight", "survey", "psych",
          "psychometric", "boot")
out <- list(
  generated_by = "tests/reference/make_r_reference.R",
  R_version_string = R.version.string,
  packages = setNames(lapply(pkgs, function(p) as.character(packageVersion(p))), pkgs),
  cases = cases
)
json <- jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE,
                         null = "null", na = "null")
writeLines(json, file.path(ref_dir, "r_reference.json"), useBytes = TRUE)
cat("wrote", file.path(ref_dir, "r_reference.json"), "with", length(cases), "cases\n")
