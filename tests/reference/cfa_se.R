#!/usr/bin/env Rscript
# Reference standard errors and confidence intervals of the CFA's unstandardised estimates
# (engine/psychometrics/cfa_se.py), lavaan's defaults:
#
#   fit <- lavaan::cfa(model, data = x, optim.method = "BFGS",
#                      control = list(reltol = 1e-15, maxit = 10000))
#   lavaan::parameterEstimates(fit, level = 0.95)   # est, se, z, pvalue, ci.lower, ci.upper
#
# with se = "standard" and the information matrix lavaan uses by default for ML on complete
# data (recorded per data set from lavInspect(fit, "options"): information "expected",
# h1.information "structured"; vcov = solve(N * expected information)). The fit runs to the
# minimum (BFGS, reltol 1e-15) as in factors.R, so that the estimates are the engine's (on
# PoliticalDemocracy BFGS still stops ~2e-6 (relative) short in a residual variance, with a
# chi-square 1.4e-10 above the engine's: recorded as `chisq`); the default nlminb fit is checked to give the same SEs within 1e-4 (the gap is recorded).
#
# Data sets: the CSVs factors.R wrote (HolzingerSwineford1939 x1..x9; psych::bfi, listwise;
# PoliticalDemocracy) and a cross-loading model on HolzingerSwineford1939.
# Run from the repository root:   Rscript tests/reference/cfa_se.R
# Writes tests/reference/cfa_se.json.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

here <- "tests/reference"
read <- function(name) read.csv(file.path(here, "data", paste0("factors_", name, ".csv")))
syntax <- function(model) {
  paste(sprintf("%s =~ %s", names(model), vapply(model, paste, "", collapse = " + ")),
        collapse = "\n")
}

cases <- list(
  holzinger = list(csv = "factors_holzinger.csv", data = read("holzinger"),
                   model = list(visual = c("x1", "x2", "x3"), textual = c("x4", "x5", "x6"),
                                speed = c("x7", "x8", "x9"))),
  holzinger_cross = list(csv = "factors_holzinger.csv", data = read("holzinger"),
                         model = list(visual = c("x1", "x2", "x3", "x9"),
                                      textual = c("x4", "x5", "x6"),
                                      speed = c("x7", "x8", "x9"))),
  bfi = list(csv = "factors_bfi.csv", data = read("bfi"),
             model = list(agree = c("A1", "A2", "A3", "A4", "A5"),
                          conscientious = c("C1", "C2", "C3", "C4", "C5"),
                          extraversion = c("E1", "E2", "E3", "E4", "E5"),
                          neuroticism = c("N1", "N2", "N3", "N4", "N5"),
                          openness = c("O1", "O2", "O3", "O4", "O5"))),
  poldem = list(csv = "factors_poldem.csv", data = read("poldem"),
                model = list(ind60 = c("x1", "x2", "x3"), dem60 = c("y1", "y2", "y3", "y4"),
                             dem65 = c("y5", "y6", "y7", "y8")))
)

results <- list()
for (name in names(cases)) {
  case <- cases[[name]]
  model <- syntax(case$model)
  fit <- lavaan::cfa(model, data = case$data, optim.method = "BFGS",
                     control = list(reltol = 1e-15, maxit = 10000))
  stopifnot(lavaan::lavInspect(fit, "converged"))
  opts <- lavaan::lavInspect(fit, "options")
  stopifnot(opts$se == "standard", opts$information[1] == "expected")
  pe <- lavaan::parameterEstimates(fit, level = 0.95)
  default <- lavaan::parameterEstimates(lavaan::cfa(model, data = case$data))
  default_gap <- max(abs(default$se - pe$se))
  stopifnot(default_gap < 1e-4)
  results[[name]] <- list(
    csv = case$csv, model = case$model, syntax = model,
    n = lavaan::lavInspect(fit, "nobs"), default_fit_se_gap = default_gap,
    chisq = unname(lavaan::fitMeasures(fit, "chisq")),
    options = list(se = opts$se, information = opts$information[1],
                   h1.information = opts$h1.information[1],
                   likelihood = opts$likelihood),
    parameters = lapply(seq_len(nrow(pe)), function(i) {
      row <- pe[i, ]
      list(lhs = row$lhs, op = row$op, rhs = row$rhs, est = row$est, se = row$se,
           z = row$z, pvalue = row$pvalue, ci.lower = row$ci.lower, ci.upper = row$ci.upper)
    })
  )
}

header <- list(
  generated_by = "tests/reference/cfa_se.R",
  R = R.version.string,
  packages = list(lavaan = as.character(packageVersion("lavaan")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  call = paste("lavaan::parameterEstimates(lavaan::cfa(model, data = x, optim.method =",
               "'BFGS', control = list(reltol = 1e-15, maxit = 10000)), level = 0.95)")
)
write(toJSON(list(header = header, cases = results), auto_unbox = TRUE, digits = NA,
             pretty = TRUE, na = "string"), file.path(here, "cfa_se.json"))
cat("wrote", file.path(here, "cfa_se.json"), "\n")
