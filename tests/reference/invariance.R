# Reference for `samen analyze --invariance COLUMN` (engine.comparisons.invariance):
# configural, metric and scalar multi-group CFA with lavaan's defaults.
#
# Calls, for each data set (ML, listwise, marker items, meanstructure in multi-group):
#   configural <- lavaan::cfa(model, data, group = "g")
#   metric     <- lavaan::cfa(model, data, group = "g", group.equal = "loadings")
#   scalar     <- lavaan::cfa(model, data, group = "g",
#                             group.equal = c("loadings", "intercepts"))
#   lavaan::fitMeasures(fit, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea",
#     "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "baseline.chisq", "baseline.df", "npar"))
#   lavaan::parameterEstimates(fit)[, c("lhs", "op", "rhs", "group", "est")], from the
#     same call with optim.method = "BFGS", control = list(reltol = 1e-16) (see step())
#   lavaan::lavInspect(fit, "nobs")  (per group, in lavaan's group order)
#
# 1. holzinger: lavaan's published example (lavaan tutorial, "Measurement invariance"):
#    HolzingerSwineford1939, visual =~ x1 + x2 + x3, textual =~ x4 + x5 + x6,
#    speed =~ x7 + x8 + x9, group = "school" (Pasteur, Grant-White).
# 2. simulated (set.seed(2031)): two groups of 400, two factors of four items on a 1-7
#    scale; in group "b" item y3's intercept is 0.6 higher (loadings equal): metric holds,
#    scalar does not. 5% of answers missing (listwise deletion), a few rows without group.
#
# Writes data/invariance_holzinger.csv, data/invariance_simulated.csv, invariance.json.
# Run from the repository root:  Rscript tests/reference/invariance.R

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

here <- "tests/reference"
measures <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
              "rmsea.ci.upper", "srmr", "baseline.chisq", "baseline.df", "npar")

estimates <- function(fit) {
  pe <- lavaan::parameterEstimates(fit)
  pe[pe$op %in% c("=~", "~~", "~1"), c("lhs", "op", "rhs", "group", "est")]
}

step <- function(model, data, equal) {
  fit <- lavaan::cfa(model, data = data, group = "g", group.equal = equal)
  # lavaan's default optimiser (nlminb, rel.tol 1e-10) stops where the chi-square is still
  # ~2e-8 above its minimum, which leaves the estimates ~1e-6 (relative) from it; lavaan's
  # BFGS optimiser (optim) with a tight tolerance reaches it. The estimates to
  # compare at 1e-6 come from that fit, the published fit measures from the default one.
  exact <- lavaan::cfa(model, data = data, group = "g", group.equal = equal,
                       optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 10000))
  list(
    converged = lavaan::lavInspect(fit, "converged"),
    converged_exact = lavaan::lavInspect(exact, "converged"),
    fit = as.list(unclass(lavaan::fitMeasures(fit, measures))),
    chisq_exact = unclass(lavaan::fitMeasures(exact, "chisq"))[[1]],
    nobs = as.list(lavaan::lavInspect(fit, "nobs")),
    groups = as.list(lavaan::lavInspect(fit, "group.label")),
    estimates = estimates(exact),
    estimates_default = estimates(fit)
  )
}

case <- function(csv, model, scales, group) {
  data <- read.csv(file.path(here, "data", csv))
  data$g <- data[[group]]
  # rows without a group are left out (read.csv reads an empty text cell as "")
  data <- data[!is.na(data$g) & data$g != "", ]
  list(
    csv = file.path("data", csv),
    group = group,
    scales = scales,
    configural = step(model, data, "none"),
    metric = step(model, data, "loadings"),
    scalar = step(model, data, c("loadings", "intercepts"))
  )
}

# 1. holzinger
hs <- lavaan::HolzingerSwineford1939[, c("school", paste0("x", 1:9))]
write.csv(hs, file.path(here, "data", "invariance_holzinger.csv"), row.names = FALSE)

# 2. simulated
set.seed(2031)
sim_group <- function(n, label, shift) {
  f <- matrix(rnorm(n * 2), n) %*% chol(matrix(c(1, 0.4, 0.4, 1), 2))
  loads <- c(1, 0.9, 0.8, 0.7)
  out <- data.frame(team = rep(label, n))
  for (k in 1:2) {
    for (i in 1:4) {
      name <- paste0(c("x", "y")[k], i)
      mu <- 4 + if (name == "y3") shift else 0
      out[[name]] <- pmin(pmax(round(mu + loads[i] * f[, k] + 0.8 * rnorm(n)), 1), 7)
    }
  }
  out
}
sim <- rbind(sim_group(400, "a", 0), sim_group(400, "b", 0.6))
items <- c(paste0("x", 1:4), paste0("y", 1:4))
for (it in items) sim[[it]][runif(nrow(sim)) < 0.05 / 8 * 4] <- NA
sim$team[sample(nrow(sim), 6)] <- NA
write.csv(sim, file.path(here, "data", "invariance_simulated.csv"), row.names = FALSE, na = "")

out <- list(
  header = list(
    generated_by = "tests/reference/invariance.R",
    R = R.version.string,
    packages = lapply(c(lavaan = "lavaan", jsonlite = "jsonlite"),
                      function(p) as.character(packageVersion(p))),
    calls = c(
      "lavaan::cfa(model, data, group = 'g')",
      "lavaan::cfa(model, data, group = 'g', group.equal = 'loadings')",
      "lavaan::cfa(model, data, group = 'g', group.equal = c('loadings', 'intercepts'))",
      "lavaan::fitMeasures(fit, measures); lavaan::parameterEstimates(fit)",
      "estimates: the same cfa() call with optim.method = 'BFGS', control = list(reltol = 1e-16, maxit = 10000)",
      "estimates_default: parameterEstimates of the default (nlminb) fit"
    )
  ),
  cases = list(
    holzinger = case(
      "invariance_holzinger.csv",
      "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9",
      list(visual = paste0("x", 1:3), textual = paste0("x", 4:6), speed = paste0("x", 7:9)),
      "school"
    ),
    simulated = case(
      "invariance_simulated.csv",
      "fx =~ x1 + x2 + x3 + x4\nfy =~ y1 + y2 + y3 + y4",
      list(fx = paste0("x", 1:4), fy = paste0("y", 1:4)),
      "team"
    )
  )
)
writeLines(
  toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, dataframe = "rows"),
  file.path(here, "invariance.json")
)
