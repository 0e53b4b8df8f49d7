# Reference values for engine/comparisons/drivers.py and `samen compare drivers`.
#
# Run from the repository root:  Rscript tests/reference/compare_drivers.R
# Writes tests/reference/data/compare_drivers.csv (simulated, with known importances) and
# tests/reference/compare_drivers.json; the test suite reads those and never needs R.
#
# Relative importance as LMG (relaimpo::calc.relimp(fit, type = "lmg"); relaimpo is not in
# Debian, so its all-subsets formula is written out here):
#   R2(S)  = summary(lm(y ~ X[, S]))$r.squared for every subset S of the p predictors
#   LMG_j  = sum over S without j of |S|! (p - 1 - |S|)! / p! * (R2(S + j) - R2(S))
#   share_j = LMG_j / R2(all)                      (relaimpo's rela = TRUE)
# on the complete cases (listwise: outcome and every predictor present). The script checks
# the formula against the definition (the R2 increment averaged over all p! orderings).
# Scale scores as `samen analyze`: reverse-keyed items recoded as low + high - x, then the
# mean of the answered items when answered / n_items >= 2/3, else NA.
suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})
ref <- file.path("tests", "reference")

# -- simulated data with known importances ----------------------------------------------------
# Four climate scales of three items (1-5) and an outcome `stay` (intention to stay, 1-5).
# stay = 0.6 belonging + 0.35 safety + 0.15 voice + 0 workload (latent, standardised) + noise;
# the latent scales correlate 0.3, so the importances rank belong > safety > voice > workload.
# About 4% of answers are missing, and 3% of `stay`.
set.seed(20261203)
n <- 600
common <- rnorm(n)
latent <- sapply(1:4, function(i) sqrt(0.3) * common + sqrt(0.7) * rnorm(n))
colnames(latent) <- c("belong", "safety", "voice", "workload")
item <- function(t, reverse = FALSE) {
  x <- pmin(5, pmax(1, round(3.2 + 0.8 * t + rnorm(n, 0, 0.7))))
  if (reverse) 6 - x else x
}
sim <- data.frame(
  b1 = item(latent[, 1]), b2 = item(latent[, 1]), b3 = item(latent[, 1]),
  s1 = item(latent[, 2]), s2 = item(latent[, 2]), s3 = item(latent[, 2], reverse = TRUE),
  v1 = item(latent[, 3]), v2 = item(latent[, 3]), v3 = item(latent[, 3]),
  w1 = item(latent[, 4]), w2 = item(latent[, 4]), w3 = item(latent[, 4])
)
for (col in names(sim)) sim[[col]][runif(n) < 0.04] <- NA
stay_latent <- drop(latent %*% c(0.6, 0.35, 0.15, 0)) + rnorm(n, 0, 0.8)
sim$stay <- pmin(5, pmax(1, round(3 + stay_latent)))
sim$stay[runif(n) < 0.03] <- NA
write.csv(sim, file.path(ref, "data", "compare_drivers.csv"), row.names = FALSE, na = "")
bfi_data <- read.csv(file.path(ref, "data", "psych_bfi.csv"))

# -- the statistics ---------------------------------------------------------------------------
score <- function(data, keys, low, high) {
  items <- sub("^-", "", keys)
  x <- as.matrix(data[, items])
  rev <- startsWith(keys, "-")
  x[, rev] <- low + high - x[, rev]
  answered <- rowSums(!is.na(x))
  s <- rowMeans(x, na.rm = TRUE)
  s[answered < 2 / 3 * length(items) - 1e-9 | answered == 0] <- NA
  s
}
# R2 of y on every subset of X's columns: element m + 1 for the subset with bits m
subset_r2 <- function(y, X) {
  p <- ncol(X)
  r2 <- numeric(2^p)
  for (m in seq_len(2^p - 1)) {
    S <- which(bitwAnd(m, 2^(0:(p - 1))) > 0)
    r2[m + 1] <- summary(lm(y ~ X[, S, drop = FALSE]))$r.squared
  }
  r2
}
lmg <- function(r2, p) {
  sapply(seq_len(p), function(j) {
    bit <- 2^(j - 1)
    total <- 0
    for (m in 0:(2^p - 1)) {
      if (bitwAnd(m, bit) > 0) next
      s <- sum(bitwAnd(m, 2^(0:(p - 1))) > 0)
      w <- factorial(s) * factorial(p - 1 - s) / factorial(p)
      total <- total + w * (r2[m + bit + 1] - r2[m + 1])
    }
    total
  })
}
# the definition: the R2 increment of each predictor averaged over all p! orderings
orderings <- function(v) {
  if (length(v) <= 1) return(list(v))
  do.call(c, lapply(seq_along(v), function(i) lapply(orderings(v[-i]), function(o) c(v[i], o))))
}
lmg_by_orderings <- function(r2, p) {
  out <- numeric(p)
  for (o in orderings(seq_len(p))) {
    m <- 0
    for (j in o) {
      out[j] <- out[j] + r2[m + 2^(j - 1) + 1] - r2[m + 1]
      m <- m + 2^(j - 1)
    }
  }
  out / factorial(p)
}
drivers <- function(y, X) {
  ok <- complete.cases(cbind(y, X))
  y <- y[ok]
  X <- X[ok, , drop = FALSE]
  p <- ncol(X)
  r2 <- subset_r2(y, X)
  values <- lmg(r2, p)
  stopifnot(isTRUE(all.equal(values, lmg_by_orderings(r2, p), tolerance = 1e-12)))
  stopifnot(isTRUE(all.equal(sum(values), r2[2^p], tolerance = 1e-12)))
  out <- list()
  for (j in seq_len(p)) {
    out[[colnames(X)[j]]] <- list(lmg = values[j], share = values[j] / r2[2^p],
                                  r = cor(y, X[, j]), rank = rank(-values)[j])
  }
  list(n = sum(ok), r2 = r2[2^p], drivers = out)
}

sim_keys <- list(belong = c("b1", "b2", "b3"), safety = c("s1", "s2", "-s3"),
                 voice = c("v1", "v2", "v3"), workload = c("w1", "w2", "w3"))
bfi_keys <- list(agree = c("-A1", "A2", "A3", "A4", "A5"),
                 consc = c("C1", "C2", "C3", "-C4", "-C5"),
                 extra = c("-E1", "-E2", "E3", "E4", "E5"),
                 open = c("O1", "-O2", "O3", "O4", "-O5"),
                 neuro = c("N1", "N2", "N3", "N4", "N5"))
scale_args <- function(keys) {
  unlist(lapply(names(keys), function(k) c("--scale", paste0(k, "=", paste(keys[[k]], collapse = ",")))))
}
drivers_case <- function(file, data, keys, low, high, outcome) {
  args <- c("drivers", file.path(ref, "data", file), "--outcome", outcome,
            "--range", paste0(low, "-", high), scale_args(keys))
  scores <- sapply(names(keys), function(k) score(data, keys[[k]], low, high))
  if (outcome %in% names(keys)) {
    y <- scores[, outcome]
    X <- scores[, setdiff(names(keys), outcome), drop = FALSE]
  } else {
    y <- data[[outcome]]
    X <- scores
  }
  c(list(data = file, command = "drivers", outcome = outcome, args = args), drivers(y, X))
}

cases <- list(
  drivers_case("compare_drivers.csv", sim, sim_keys, 1, 5, "stay"),
  # a scale as the outcome: belonging on the other three
  drivers_case("compare_drivers.csv", sim, sim_keys, 1, 5, "belong"),
  # psych's bfi: neuroticism on agreeableness, conscientiousness, extraversion, openness
  drivers_case("psych_bfi.csv", bfi_data, bfi_keys, 1, 6, "neuro")
)
header <- list(
  generated_by = "tests/reference/compare_drivers.R",
  r_version = R.version.string,
  packages = list(psych = as.character(packageVersion("psych")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  calls = c("R2(S) = summary(lm(y ~ X[, S]))$r.squared for every subset S",
            "LMG_j = sum_{S without j} |S|! (p - 1 - |S|)! / p! * (R2(S + j) - R2(S))",
            "share_j = LMG_j / R2(all) (relaimpo::calc.relimp(type = 'lmg', rela = TRUE))",
            "r = cor(y, x_j) on the complete cases")
)
writeLines(toJSON(list(header = header, cases = cases), auto_unbox = TRUE, digits = NA,
                  pretty = TRUE),
           file.path(ref, "compare_drivers.json"))
