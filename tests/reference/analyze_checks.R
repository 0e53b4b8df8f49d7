# Reference for what `samen analyze` adds beside the contract: the CFA-based composite
# reliability of each scale, the Heywood cases lavaan and psych warn about, and the listwise
# n of the CFA.
#
# 1. bfi and teams: the data sets of report_reference.R (data/report_bfi.csv, range 1-6;
#    data/report_teams.csv, range 1-4), reverse-keyed as there; semTools::compRelSEM of
#    lavaan::cfa(one factor per scale).
# 2. heywood (generated here, set.seed(2027)): 300 respondents, two 3-item scales on 1-7
#    whose first scale's items correlate .85, .85 and .55, so a1's standardised loading
#    exceeds 1 in lavaan (negative residual variance) and psych::fa warns of an
#    ultra-Heywood case (communality above 1).
# 3. sparse (generated here, set.seed(2028)): 731 respondents, two 7-item scales on 1-5,
#    every answer missing with probability 0.2, so few respondents answered every item:
#    lavaan's nobs (listwise) is the n the CFA used.
#
# Writes data/analyze_heywood.csv, data/analyze_sparse.csv and analyze_checks.json.
# Run from the repository root (after report_reference.R):
#   Rscript tests/reference/analyze_checks.R
# The test suite reads the JSON and never needs R.

suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
  library(lavaan)
  library(semTools)
  library(jsonlite)
})

here <- "tests/reference"
items_of <- function(k) sub("^-", "", k)

model_of <- function(keys) {
  paste(
    vapply(names(keys), function(n) paste(n, "=~", paste(items_of(keys[[n]]), collapse = " + ")), ""),
    collapse = "\n"
  )
}

case <- function(csv_name, keys, low, high) {
  raw <- read.csv(file.path(here, "data", csv_name))
  x <- raw[, unlist(lapply(keys, items_of))]
  for (k in unlist(keys)[grepl("^-", unlist(keys))]) x[[items_of(k)]] <- low + high - x[[items_of(k)]]
  lavaan_warnings <- character()
  fit <- withCallingHandlers(
    lavaan::cfa(model_of(keys), data = x),
    warning = function(w) {
      lavaan_warnings <<- c(lavaan_warnings, conditionMessage(w))
      invokeRestart("muffleWarning")
    }
  )
  # the composite from the same model fitted to the minimum: nlminb (the default) stops
  # early on the flat surfaces of the Heywood and sparse cases (1e-9 in chi-square, ~2e-6
  # in the composite) and reports non-convergence when its rel.tol is tightened; lavaan's
  # BFGS with reltol 1e-15 reaches the minimum (gradient ~1e-9), as the engine's scoring does
  tight <- suppressWarnings(lavaan::cfa(model_of(keys), data = x, optim.method = "BFGS",
    control = list(reltol = 1e-15, maxit = 10000)))
  stopifnot(lavaan::lavInspect(tight, "converged"))
  ss <- lavaan::standardizedSolution(fit)
  ss <- ss[ss$op == "=~", ]
  loadings <- list()
  for (i in seq_len(nrow(ss))) loadings[[ss$rhs[i]]] <- setNames(list(ss$est.std[i]), ss$lhs[i])
  psych_warnings <- character()
  efa <- withCallingHandlers(
    psych::fa(x, nfactors = length(keys), rotate = "oblimin", fm = "minres"),
    warning = function(w) {
      psych_warnings <<- c(psych_warnings, conditionMessage(w))
      invokeRestart("muffleWarning")
    }
  )
  list(
    csv = file.path("data", csv_name),
    keys = keys,
    range = c(low, high),
    n = nrow(raw),
    cfa_n = lavaan::lavInspect(fit, "nobs"),
    cfa_npar = lavaan::lavInspect(fit, "npar"),
    composite_reliability = as.list(semTools::compRelSEM(tight)),
    composite_reliability_default = as.list(semTools::compRelSEM(fit)),
    cfa_loadings = loadings,
    lavaan_warnings = as.list(lavaan_warnings),
    efa_communality = as.list(efa$communality),
    psych_warnings = as.list(psych_warnings)
  )
}

# 2. heywood
set.seed(2027)
n <- 300
r <- diag(6)
r[1, 2] <- r[2, 1] <- 0.85
r[1, 3] <- r[3, 1] <- 0.85
r[2, 3] <- r[3, 2] <- 0.55
for (i in 4:6) for (j in 4:6) if (i != j) r[i, j] <- 0.49
for (i in 1:3) for (j in 4:6) r[i, j] <- r[j, i] <- 0.25
z <- matrix(rnorm(n * 6), n) %*% chol(r)
heywood <- as.data.frame(pmin(pmax(round(4 + 1.3 * z), 1), 7))
names(heywood) <- c("a1", "a2", "a3", "b1", "b2", "b3")
write.csv(heywood, file.path(here, "data", "analyze_heywood.csv"), row.names = FALSE)

# 3. sparse
set.seed(2028)
n <- 731
sparse <- data.frame(row.names = seq_len(n))
for (s in c("p", "q")) {
  f <- rnorm(n)
  for (i in 1:7) {
    answer <- as.integer(cut(0.7 * f + 0.7 * rnorm(n), c(-Inf, -1.2, -0.4, 0.4, 1.2, Inf)))
    answer[runif(n) < 0.2] <- NA
    sparse[[paste0(s, i)]] <- answer
  }
}
write.csv(sparse, file.path(here, "data", "analyze_sparse.csv"), row.names = FALSE, na = "")

out <- list(
  header = list(
    generated_by = "tests/reference/analyze_checks.R",
    R = R.version.string,
    packages = lapply(
      c(psych = "psych", GPArotation = "GPArotation", lavaan = "lavaan",
        semTools = "semTools", jsonlite = "jsonlite"),
      function(p) as.character(packageVersion(p))
    ),
    calls = c(
      "items reverse-keyed as low + high - x",
      "fit <- lavaan::cfa(one factor per scale, data) defaults",
      "semTools::compRelSEM(tight)  (obs.var = TRUE, tau.eq = FALSE): composite_reliability, with tight <- lavaan::cfa(model, data, optim.method = 'BFGS', control = list(reltol = 1e-15, maxit = 10000)) (converged); of fit: composite_reliability_default",
      "lavaan::lavInspect(fit, 'nobs'), lavInspect(fit, 'npar'): cfa_n, cfa_npar",
      "lavaan::standardizedSolution(fit) est.std of =~: cfa_loadings; warnings of cfa()",
      "psych::fa(items, nfactors = <number of scales>, rotate = 'oblimin', fm = 'minres')$communality; its warnings"
    )
  ),
  cases = list(
    bfi = case(
      "report_bfi.csv",
      list(
        agree = c("-A1", "A2", "A3", "A4", "A5"),
        consc = c("C1", "C2", "C3", "-C4", "-C5"),
        extra = c("-E1", "-E2", "E3", "E4", "E5")
      ),
      1, 6
    ),
    teams = case(
      "report_teams.csv",
      list(
        voice = c("v1", "v2", "v3", "-v4"),
        belong = c("b1", "-b2", "b3", "b4"),
        support = c("s1", "s2", "s3", "s4")
      ),
      1, 4
    ),
    heywood = case("analyze_heywood.csv", list(A = c("a1", "a2", "a3"), B = c("b1", "b2", "b3")), 1, 7),
    sparse = case("analyze_sparse.csv", list(P = paste0("p", 1:7), Q = paste0("q", 1:7)), 1, 5)
  )
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(here, "analyze_checks.json"))
