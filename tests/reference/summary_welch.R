# Reference values for engine/comparisons/summary.py (Welch from the numbers of two cells).
#
# Run from the repository root:  Rscript tests/reference/summary_welch.R
# Writes tests/reference/summary_welch.json; the test suite reads it and never needs R.
#
# Each case: two samples x (later wave, or a group) and y (earlier wave, or the rest),
# summarised as n, mean, sd (n - 1); expected t.test(x, y, var.equal = FALSE,
# conf.level = 0.95): difference, se (stderr), df (parameter), t, p, ci; Hedges' g =
# J * d with d on the pooled SD and J = 1 - 3 / (4 * (n1 + n2) - 9).
suppressPackageStartupMessages(library(jsonlite))
set.seed(20261203)
cases <- list(
  list(n1 = 12, n2 = 9, shift = 0.5, s1 = 0.7, s2 = 0.9),
  list(n1 = 40, n2 = 35, shift = -0.25, s1 = 0.8, s2 = 0.6),
  list(n1 = 5, n2 = 5, shift = 0.1, s1 = 0.5, s2 = 1.1),
  list(n1 = 8, n2 = 250, shift = -0.45, s1 = 0.9, s2 = 0.7)
)
out <- lapply(cases, function(cs) {
  x <- round(3.5 + cs$shift + rnorm(cs$n1, 0, cs$s1), 4)
  y <- round(3.5 + rnorm(cs$n2, 0, cs$s2), 4)
  tt <- t.test(x, y, var.equal = FALSE, conf.level = 0.95)
  sp <- sqrt(((cs$n1 - 1) * var(x) + (cs$n2 - 1) * var(y)) / (cs$n1 + cs$n2 - 2))
  j <- 1 - 3 / (4 * (cs$n1 + cs$n2) - 9)
  list(
    first = list(n = cs$n1, mean = mean(x), sd = sd(x)),
    second = list(n = cs$n2, mean = mean(y), sd = sd(y)),
    call = "t.test(x, y, var.equal = FALSE, conf.level = 0.95)",
    difference = unname(tt$estimate[1] - tt$estimate[2]),
    se = tt$stderr, df = unname(tt$parameter), t = unname(tt$statistic), p = tt$p.value,
    ci = as.numeric(tt$conf.int), g = j * (mean(x) - mean(y)) / sp
  )
})
header <- list(
  r = R.version.string,
  script = "tests/reference/summary_welch.R",
  note = "Welch's t-test from two samples; the engine gets only n, mean and sd of each"
)
write_json(list(header = header, cases = out), file.path("tests", "reference",
  "summary_welch.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE)
