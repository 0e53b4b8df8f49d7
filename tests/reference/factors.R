#!/usr/bin/env Rscript
# Reference values for engine/psychometrics/factors.py, engine/psychometrics/omega.py and engine/psychometrics/cfa.py.
#
# Run from the repository root:   Rscript tests/reference/factors.R
# Writes tests/reference/data/factors_*.csv (the data sets, exported once from R packages)
# and tests/reference/factors.json (the expected values). The test suite reads only the
# CSV and JSON files; it never needs R.
#
# Data sets (all public, shipped with R packages):
#   holzinger   lavaan::HolzingerSwineford1939, x1..x9, 301 pupils, complete.
#   bfi         psych::bfi, the 25 personality items A1..O5, 2800 respondents, with missing
#               answers (NA) and reverse-keyed items (A1 C4 C5 E1 E2 O2 O5, 6-point scale).
#               "bfi" is the raw data; "bfi_keyed" is the same data reverse-keyed with
#               psych::reverse.code(keys, bfi, mini = 1, maxi = 6) (7 - x), the way the
#               analyze layer passes data to engine functions. psych uses pairwise-complete
#               correlations; lavaan uses listwise deletion (2436 complete rows).
#   poldem      lavaan::PoliticalDemocracy, 75 countries, 11 indicators, complete.
#   simhier     psych::sim.hierarchical(n = 500, raw = TRUE) with set.seed(20261123):
#               9 variables with a known hierarchical (g + 3 group factors) structure.
suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
  library(lavaan)
  library(jsonlite)
})

out_dir <- file.path("tests", "reference")
data_dir <- file.path(out_dir, "data")
dir.create(data_dir, showWarnings = FALSE, recursive = TRUE)

bfi_items <- psych::bfi[, 1:25]
bfi_keys <- c("-A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "-C4", "-C5",
              "-E1", "-E2", "E3", "E4", "E5", "N1", "N2", "N3", "N4", "N5",
              "O1", "-O2", "O3", "O4", "-O5")
reversed <- sub("^-", "", bfi_keys[startsWith(bfi_keys, "-")])
bfi_keyed <- bfi_items
bfi_keyed[, reversed] <- 7 - bfi_keyed[, reversed]
set.seed(20261123)
simhier <- as.data.frame(psych::sim.hierarchical(n = 500, raw = TRUE)$observed)

datasets <- list(
  holzinger = list(
    data = lavaan::HolzingerSwineford1939[, paste0("x", 1:9)],
    model = list(visual = c("x1", "x2", "x3"), textual = c("x4", "x5", "x6"),
                 speed = c("x7", "x8", "x9")),
    nfactors = 3),
  bfi = list(
    data = bfi_items,
    model = list(agree = c("A1", "A2", "A3", "A4", "A5"),
                 conscientious = c("C1", "C2", "C3", "C4", "C5"),
                 extraversion = c("E1", "E2", "E3", "E4", "E5"),
                 neuroticism = c("N1", "N2", "N3", "N4", "N5"),
                 openness = c("O1", "O2", "O3", "O4", "O5")),
    nfactors = 5),
  bfi_keyed = list(
    data = bfi_keyed,
    model = list(agree = c("A1", "A2", "A3", "A4", "A5"),
                 conscientious = c("C1", "C2", "C3", "C4", "C5"),
                 extraversion = c("E1", "E2", "E3", "E4", "E5"),
                 neuroticism = c("N1", "N2", "N3", "N4", "N5"),
                 openness = c("O1", "O2", "O3", "O4", "O5")),
    nfactors = 5),
  poldem = list(
    data = lavaan::PoliticalDemocracy,
    model = list(ind60 = c("x1", "x2", "x3"), dem60 = c("y1", "y2", "y3", "y4"),
                 dem65 = c("y5", "y6", "y7", "y8")),
    nfactors = 3),
  simhier = list(
    data = simhier,
    model = list(F1 = c("V1", "V2", "V3"), F2 = c("V4", "V5", "V6"),
                 F3 = c("V7", "V8", "V9")),
    nfactors = 3)
)

csv_name <- function(name) file.path(data_dir, paste0("factors_", name, ".csv"))

mat_list <- function(m) {
  # A matrix as {column: {row: value}} so the JSON keeps row and column names.
  m <- unclass(m)
  out <- list()
  for (j in seq_len(ncol(m))) {
    col <- as.list(m[, j])
    names(col) <- rownames(m)
    out[[colnames(m)[j]]] <- col
  }
  out
}

lavaan_syntax <- function(model) {
  paste(sprintf("%s =~ %s", names(model),
                vapply(model, paste, "", collapse = " + ")), collapse = "\n")
}

parallel_seeds <- 1:5
# The same model run to the minimum: nlminb's default stopping rule leaves lavaan's estimates
# up to ~5e-6 (relative) from it on these data; BFGS with reltol 1e-15 reaches it (the
# engine's Fisher scoring stops on the Newton decrement). Chi-square and std.all loadings.
at_minimum <- function(syntax, x, factors) {
  tight <- lavaan::cfa(syntax, data = x, optim.method = "BFGS",
                       control = list(reltol = 1e-15, maxit = 10000))
  stopifnot(lavaan::lavInspect(tight, "converged"))
  std <- lavaan::standardizedSolution(tight, type = "std.all")
  std <- std[std$op == "=~", ]
  loads <- list()
  for (f in factors) {
    rows <- std[std$lhs == f, ]
    loads[[f]] <- as.list(setNames(rows$est.std, rows$rhs))
  }
  list(call = paste("lavaan::cfa(model, data = x, optim.method = 'BFGS',",
                    "control = list(reltol = 1e-15, maxit = 10000))"),
       chisq = unname(lavaan::fitMeasures(tight, "chisq")), loadings = loads)
}

results <- list()
for (name in names(datasets)) {
  ds <- datasets[[name]]
  x <- ds$data
  write.csv(x, csv_name(name), row.names = FALSE, na = "")
  k <- ds$nfactors
  res <- list(csv = basename(csv_name(name)), n_rows = nrow(x), nfactors = k,
              model = ds$model)

  km <- psych::KMO(x)
  res$kmo <- list(call = "psych::KMO(x)", overall = km$MSA, per_item = as.list(km$MSAi))

  bt <- suppressMessages(psych::cortest.bartlett(x))
  res$bartlett <- list(call = "psych::cortest.bartlett(x)  # n = nrow(x)",
                       chisq = bt$chisq, df = bt$df, p = bt$p.value)

  nf <- sapply(parallel_seeds, function(s) {
    set.seed(s)
    pa <- suppressMessages(suppressWarnings(
      psych::fa.parallel(x, fm = "minres", fa = "fa", n.iter = 20, plot = FALSE)))
    pa$nfact
  })
  res$parallel <- list(
    call = "set.seed(s); psych::fa.parallel(x, fm = 'minres', fa = 'fa', n.iter = 20, plot = FALSE)$nfact",
    seeds = parallel_seeds, n_factors = nf)

  efas <- list()
  for (rot in c("oblimin", "varimax", "none")) {
    f <- suppressWarnings(psych::fa(x, nfactors = k, fm = "minres", rotate = rot))
    e <- list(call = sprintf("psych::fa(x, nfactors = %d, fm = 'minres', rotate = '%s')", k, rot),
              loadings = mat_list(f$loadings),
              communality = as.list(f$communality),
              uniquenesses = as.list(f$uniquenesses),
              values = f$values)
    if (!is.null(f$Phi)) e$phi <- mat_list(f$Phi)
    efas[[rot]] <- e
  }
  f1 <- psych::fa(x, nfactors = 1, fm = "minres")
  efas[["one"]] <- list(call = "psych::fa(x, nfactors = 1, fm = 'minres')",
                        loadings = mat_list(f1$loadings),
                        communality = as.list(f1$communality),
                        values = f1$values)
  res$efa <- efas

  om <- suppressMessages(suppressWarnings(psych::omega(x, nfactors = k, plot = FALSE)))
  res$omega <- list(call = sprintf("psych::omega(x, nfactors = %d, plot = FALSE)", k),
                    hierarchical = om$omega_h, total = om$omega.tot,
                    g_loadings = as.list(setNames(om$schmid$sl[, 1], colnames(x))))
  scales <- list()
  for (s in names(ds$model)) {
    o1 <- suppressMessages(suppressWarnings(
      psych::omega(x[, ds$model[[s]]], nfactors = 1, plot = FALSE)))
    scales[[s]] <- list(total = o1$omega.tot, hierarchical = o1$omega_h)
  }
  pairs <- list()
  for (s in names(ds$model)) {
    items <- ds$model[[s]][1:2]
    o2 <- suppressMessages(suppressWarnings(psych::omega(x[, items], nfactors = 1, plot = FALSE)))
    pairs[[s]] <- list(items = items, total = o2$omega.tot)
  }
  res$omega_1 <- list(call = "psych::omega(x[, items], nfactors = 1, plot = FALSE)",
                      scales = scales, first_two_items = pairs)

  if (k > 2) {
    om2 <- suppressMessages(suppressWarnings(psych::omega(x, nfactors = 2, plot = FALSE)))
    res$omega_2 <- list(call = "psych::omega(x, nfactors = 2, plot = FALSE)",
                        hierarchical = om2$omega_h, total = om2$omega.tot)
  }

  syntax <- lavaan_syntax(ds$model)
  fit <- lavaan::cfa(syntax, data = x)
  fm <- lavaan::fitMeasures(fit, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea",
                                   "rmsea.ci.lower", "rmsea.ci.upper", "srmr",
                                   "baseline.chisq", "baseline.df"))
  std <- lavaan::standardizedSolution(fit, type = "std.all")
  std <- std[std$op == "=~", ]
  loads <- list()
  for (f in names(ds$model)) {
    rows <- std[std$lhs == f, ]
    loads[[f]] <- as.list(setNames(rows$est.std, rows$rhs))
  }
  res$cfa <- list(call = "lavaan::cfa(model, data = x)", syntax = syntax,
                  n = lavaan::lavInspect(fit, "nobs"),
                  fit = as.list(fm), loadings = loads,
                  minimum = at_minimum(syntax, x, names(ds$model)))
  results[[name]] <- res
}

# A model with a cross-loading (x9 on visual and speed), a classic modification.
hs <- lavaan::HolzingerSwineford1939[, paste0("x", 1:9)]
cross <- list(visual = c("x1", "x2", "x3", "x9"), textual = c("x4", "x5", "x6"),
              speed = c("x7", "x8", "x9"))
fit <- lavaan::cfa(lavaan_syntax(cross), data = hs)
std <- lavaan::standardizedSolution(fit, type = "std.all")
std <- std[std$op == "=~", ]
results$holzinger$cfa_cross <- list(
  call = "lavaan::cfa(model, data = x)", syntax = lavaan_syntax(cross), model = cross,
  n = lavaan::lavInspect(fit, "nobs"),
  fit = as.list(lavaan::fitMeasures(fit, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea",
                                           "rmsea.ci.lower", "rmsea.ci.upper", "srmr"))),
  loadings = lapply(split(std, std$lhs)[names(cross)],
                    function(rows) as.list(setNames(rows$est.std, rows$rhs))))

# A saturated model (df = 0): lavaan's conventions for TLI, RMSEA and its interval.
fit <- lavaan::cfa("visual =~ x1 + x2 + x3", data = hs)
results$holzinger$cfa_saturated <- list(
  call = "lavaan::cfa(model, data = x)", syntax = "visual =~ x1 + x2 + x3",
  model = list(visual = c("x1", "x2", "x3")), n = lavaan::lavInspect(fit, "nobs"),
  fit = as.list(lavaan::fitMeasures(fit, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea",
                                           "rmsea.ci.lower", "rmsea.ci.upper", "srmr"))),
  loadings = list(visual = as.list(setNames(
    lavaan::standardizedSolution(fit)$est.std[1:3], c("x1", "x2", "x3")))))

header <- list(
  generated_by = "tests/reference/factors.R",
  R = R.version.string,
  packages = list(psych = as.character(packageVersion("psych")),
                  GPArotation = as.character(packageVersion("GPArotation")),
                  lavaan = as.character(packageVersion("lavaan")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  notes = paste("psych functions get raw data (pairwise-complete correlations);",
                "lavaan::cfa uses its defaults (ML, listwise deletion, marker variables).",
                "fa.parallel is random: nfact is recorded for several seeds.")
)
write(toJSON(list(header = header, datasets = results), auto_unbox = TRUE, digits = NA,
             pretty = TRUE), file.path(out_dir, "factors.json"))
cat("wrote", file.path(out_dir, "factors.json"), "\n")
