# Reference values for engine/comparisons (groups.py, waves.py) and `samen compare groups|waves`.
#
# Run from the repository root:  Rscript tests/reference/compare_groups.R
# Writes tests/reference/data/compare_groups.csv (simulated, with known effects) and
# tests/reference/compare_groups.json; the test suite reads those and never needs R.
#
# Scale scores as `samen analyze`: reverse-keyed items recoded as low + high - x, then the
# mean of the answered items when answered / n_items >= 2/3, else NA.
# A gap: for each group g of a column, t.test(score[g], score[rest], var.equal = FALSE)
# where the rest is every other respondent (an NA group is in the rest of every group);
# p.adjust(p, "holm") over the groups of the column; Hedges' g = J * d with d on the pooled
# SD and J = 1 - 3 / (4 * (n1 + n2) - 9).
# A change: t.test(score[to], score[from], var.equal = FALSE) (waves as independent
# samples), overall and per unit; Hedges' g as above.
suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})
ref <- file.path("tests", "reference")

# -- simulated data with known effects --------------------------------------------------------
# 2 waves x 4 units, 3 departments. Department C belongs 0.6 points less (scale `belong`);
# social safety (`safety`) is 0.4 points higher in wave 2026 than in 2025 everywhere, and
# 0.8 higher in unit U1. About 5% of answers are missing; 6 respondents have no department.
set.seed(20261203)
n <- 480
wave <- rep(c("2025", "2026"), each = n / 2)
unit <- sample(c("U1", "U2", "U3", "U4"), n, replace = TRUE, prob = c(.3, .3, .25, .15))
dept <- sample(c("A", "B", "C"), n, replace = TRUE, prob = c(.45, .35, .2))
answer <- function(shift) {
  pmin(5, pmax(1, round(3.4 + shift + rnorm(n, 0, 0.9))))
}
trait_b <- rnorm(n, 0, 0.5) - 0.6 * (dept == "C")
trait_s <- rnorm(n, 0, 0.5) + 0.4 * (wave == "2026") + 0.4 * (wave == "2026" & unit == "U1")
sim <- data.frame(
  b1 = answer(trait_b), b2 = answer(trait_b), b3 = answer(trait_b), b4 = answer(trait_b),
  s1 = answer(trait_s), s2 = answer(trait_s), s3 = answer(trait_s), s4 = 6 - answer(trait_s)
)
for (col in names(sim)) sim[[col]][runif(n) < 0.05] <- NA
sim$dept <- dept
sim$dept[sample(n, 6)] <- NA
sim$wave <- wave
sim$unit <- unit
write.csv(sim, file.path(ref, "data", "compare_groups.csv"), row.names = FALSE, na = "")
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
side <- function(x) {
  x <- x[!is.na(x)]
  list(n = length(x), mean = mean(x), sd = sd(x))
}
welch <- function(a, b) {
  a <- a[!is.na(a)]
  b <- b[!is.na(b)]
  tt <- t.test(a, b, var.equal = FALSE)
  n1 <- length(a)
  n2 <- length(b)
  sp <- sqrt(((n1 - 1) * var(a) + (n2 - 1) * var(b)) / (n1 + n2 - 2))
  j <- 1 - 3 / (4 * (n1 + n2) - 9)
  list(difference = unname(tt$estimate[1] - tt$estimate[2]), se = unname(tt$stderr),
       df = unname(tt$parameter), t = unname(tt$statistic), p = tt$p.value,
       ci = as.numeric(tt$conf.int), g = j * (mean(a) - mean(b)) / sp)
}
gaps <- function(s, by) {
  labels <- sort(unique(by[!is.na(by)]))
  out <- list()
  for (g in labels) {
    member <- !is.na(by) & by == g
    rest <- is.na(by) | by != g
    out[[as.character(g)]] <- c(side(s[member]), list(rest = side(s[rest])),
                                welch(s[member], s[rest]))
  }
  adj <- p.adjust(sapply(out, function(x) x$p), method = "holm")
  for (g in names(out)) out[[g]]$p_holm <- unname(adj[g])
  out
}
change <- function(s, wave, from, to) {
  c(list(from = side(s[wave == from]), to = side(s[wave == to])),
    welch(s[wave == to], s[wave == from]))
}

sim_keys <- list(belong = c("b1", "b2", "b3", "b4"), safety = c("s1", "s2", "s3", "-s4"))
bfi_keys <- list(agree = c("-A1", "A2", "A3", "A4", "A5"), consc = c("C1", "C2", "C3", "-C4", "-C5"))
scale_args <- function(keys) {
  unlist(lapply(names(keys), function(k) c("--scale", paste0(k, "=", paste(keys[[k]], collapse = ",")))))
}
group_case <- function(file, data, keys, low, high, by, wave_col = NULL, wave = NULL) {
  rows <- if (is.null(wave_col)) rep(TRUE, nrow(data)) else data[[wave_col]] == wave
  args <- c("groups", file.path(ref, "data", file), "--by", by, "--range", paste0(low, "-", high),
            scale_args(keys))
  if (!is.null(wave_col)) args <- c(args, "--wave-column", wave_col, "--wave", wave)
  scales <- list()
  for (k in names(keys)) {
    s <- score(data, keys[[k]], low, high)[rows]
    scales[[k]] <- list(groups = gaps(s, data[[by]][rows]))
  }
  list(data = file, command = "groups", args = args, scales = scales)
}
wave_case <- function(file, data, keys, low, high, wave_col, from, to, unit_col = NULL) {
  args <- c("waves", file.path(ref, "data", file), "--wave-column", wave_col, "--from", from,
            "--to", to, "--range", paste0(low, "-", high), scale_args(keys))
  if (!is.null(unit_col)) args <- c(args, "--unit-column", unit_col)
  scales <- list()
  for (k in names(keys)) {
    s <- score(data, keys[[k]], low, high)
    w <- as.character(data[[wave_col]])
    entry <- list(change = change(s, w, from, to))
    if (!is.null(unit_col)) {
      entry$units <- list()
      for (u in sort(unique(data[[unit_col]]))) {
        inside <- data[[unit_col]] == u
        entry$units[[u]] <- change(s[inside], w[inside], from, to)
      }
    }
    scales[[k]] <- entry
  }
  list(data = file, command = "waves", args = args, scales = scales)
}

cases <- list(
  group_case("compare_groups.csv", sim, sim_keys, 1, 5, "dept"),
  group_case("compare_groups.csv", sim, sim_keys, 1, 5, "dept", "wave", "2026"),
  group_case("psych_bfi.csv", bfi_data, bfi_keys, 1, 6, "education"),
  group_case("psych_bfi.csv", bfi_data, bfi_keys, 1, 6, "gender"),
  wave_case("compare_groups.csv", sim, sim_keys, 1, 5, "wave", "2025", "2026", "unit"),
  # psych's bfi has no waves: its two genders stand in for two samples
  wave_case("psych_bfi.csv", bfi_data, bfi_keys, 1, 6, "gender", "1", "2")
)
header <- list(
  generated_by = "tests/reference/compare_groups.R",
  r_version = R.version.string,
  packages = list(psych = as.character(packageVersion("psych")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  calls = c("t.test(a, b, var.equal = FALSE)", "p.adjust(p, method = 'holm')",
            "Hedges' g = (1 - 3 / (4 * (n1 + n2) - 9)) * (mean(a) - mean(b)) / pooled SD")
)
writeLines(toJSON(list(header = header, cases = cases), auto_unbox = TRUE, digits = NA,
                  pretty = TRUE),
           file.path(ref, "compare_groups.json"))
