# Reference for the CFA optimiser on data without factor structure (issue 10: "on pure-noise
# data the CFA can stop at a wrong solution and call it converged"). Each case draws answers
# 1-5 independently and uniformly (set.seed per case) and fits the scales' own structure:
#   fit <- lavaan::cfa(model, data)                      (defaults: ML, marker items)
#   lavaan::lavInspect(fit, "converged")
#   lavaan::fitMeasures(fit, c("chisq", "df", "cfi", "tli", "rmsea", "srmr"))  if converged
#   lavaan::standardizedSolution(fit) est.std of =~                             if converged
#   otherwise the same with optim.method = "BFGS", control = list(reltol = 1e-14):
#   converged_bfgs, fit_bfgs
# The engine must give lavaan's solution or say it did not converge, never a wrong
# "converged".
#
# Writes data/cfa_noise.csv (all cases side by side, a column `case`) and cfa_noise.json.
# Run from the repository root:  Rscript tests/reference/cfa_noise.R

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

here <- "tests/reference"
shapes <- list(
  c(3, 3), c(2, 3), c(3, 3, 3), c(4, 4), c(2, 2, 2), c(5, 5, 5, 5)
)
sizes <- c(60, 150, 400)
cases <- list()
rows <- list()
k <- 0
for (shape in shapes) {
  for (n in sizes) {
    k <- k + 1
    set.seed(3000 + k)
    items <- character()
    keys <- list()
    for (s in seq_along(shape)) {
      its <- paste0("s", s, "_", seq_len(shape[s]))
      keys[[paste0("s", s)]] <- its
      items <- c(items, its)
    }
    x <- as.data.frame(matrix(sample(1:5, n * length(items), replace = TRUE), n))
    names(x) <- items
    model <- paste(vapply(names(keys), function(f) paste(f, "=~", paste(keys[[f]], collapse = " + ")), ""),
                   collapse = "\n")
    warn <- character()
    fit <- withCallingHandlers(
      lavaan::cfa(model, data = x),
      warning = function(w) {
        warn <<- c(warn, conditionMessage(w))
        invokeRestart("muffleWarning")
      }
    )
    converged <- lavaan::lavInspect(fit, "converged")
    name <- sprintf("noise%02d", k)
    out <- list(model = keys, n = n, converged = converged, warnings = as.list(warn))
    if (converged) {
      out$fit <- as.list(unclass(lavaan::fitMeasures(fit, c("chisq", "df", "cfi", "tli", "rmsea", "srmr"))))
      ss <- lavaan::standardizedSolution(fit)
      ss <- ss[ss$op == "=~", ]
      out$loadings <- setNames(as.list(ss$est.std), paste(ss$lhs, ss$rhs, sep = "."))
    } else {
      # where nlminb gives up, lavaan's other optimiser may still find a minimum
      bfgs <- suppressWarnings(lavaan::cfa(model, data = x, optim.method = "BFGS",
                                           control = list(reltol = 1e-14, maxit = 10000)))
      out$converged_bfgs <- lavaan::lavInspect(bfgs, "converged")
      if (out$converged_bfgs) {
        out$fit_bfgs <- as.list(unclass(lavaan::fitMeasures(bfgs, c("chisq", "df", "cfi", "tli", "rmsea", "srmr"))))
      }
    }
    cases[[name]] <- out
    x$case <- name
    rows[[name]] <- x
  }
}
all_items <- unique(unlist(lapply(rows, names)))
wide <- do.call(rbind, lapply(rows, function(x) {
  for (it in setdiff(all_items, names(x))) x[[it]] <- NA
  x[, all_items]
}))
write.csv(wide, file.path(here, "data", "cfa_noise.csv"), row.names = FALSE, na = "")
writeLines(
  toJSON(list(
    header = list(
      generated_by = "tests/reference/cfa_noise.R",
      R = R.version.string,
      packages = lapply(c(lavaan = "lavaan", jsonlite = "jsonlite"),
                        function(p) as.character(packageVersion(p))),
      calls = c("lavaan::cfa(model, data)", "lavaan::lavInspect(fit, 'converged')",
                "lavaan::fitMeasures(fit, c('chisq','df','cfi','tli','rmsea','srmr'))",
                "lavaan::standardizedSolution(fit) est.std of =~")
    ),
    cases = cases
  ), auto_unbox = TRUE, digits = NA, pretty = TRUE),
  file.path(here, "cfa_noise.json")
)
