# Reference for the research report's "CFA rel." column (webapp/research/reporting.py,
# templates/research/report.html): semTools::compRelSEM per scale, from lavaan::cfa of the
# scales of one instrument together (one factor per scale, lavaan's defaults: ML,
# listwise), as the report computes it per instrument.
#
# Data: the demo hospital's closed wave 2026-1 (surveys/demo.py, seeded), its raw answers
# in data/research_composite.csv (NA = missing) and each instrument's scales with their
# keys ("-" = reverse-keyed, recoded as 1 + 5 - x) in data/research_composite_keys.json;
# tests/webapp/test_research_composite.py checks that the CSV still is that wave and says
# how to write it again.
#
# Run from the repository root:
#   Rscript tests/reference/research_composite.R
# The test suite reads research_composite.json and never needs R.

suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(jsonlite)
})

here <- "tests/reference"
raw <- read.csv(file.path(here, "data", "research_composite.csv"))
spec <- fromJSON(file.path(here, "data", "research_composite_keys.json"), simplifyVector = FALSE)
low <- spec$range[[1]]
high <- spec$range[[2]]
items_of <- function(k) sub("^-", "", unlist(k))
# lavaan factor names cannot hold dots: f1, f2, ... stand for the scale ids
instruments <- list()
for (inst in names(spec$instruments)) {
  keys <- spec$instruments[[inst]]
  x <- raw[, items_of(keys)]
  for (k in unlist(keys)[grepl("^-", unlist(keys))]) x[[items_of(k)]] <- low + high - x[[items_of(k)]]
  factors <- paste0("f", seq_along(keys))
  model <- paste(
    vapply(seq_along(keys), function(i) paste(factors[i], "=~", paste(items_of(keys[[i]]), collapse = " + ")), ""),
    collapse = "\n"
  )
  fit <- lavaan::cfa(model, data = x)  # the call: lavaan::cfa(model, data = x)
  rel <- semTools::compRelSEM(fit)      # the call: semTools::compRelSEM(fit)
  instruments[[inst]] <- list(
    n = lavaan::lavInspect(fit, "nobs"),
    converged = lavaan::lavInspect(fit, "converged"),
    composite_reliability = setNames(as.list(unname(rel[factors])), names(keys))
  )
}

out <- list(
  header = list(
    R = R.version.string,
    lavaan = as.character(packageVersion("lavaan")),
    semTools = as.character(packageVersion("semTools")),
    call = "semTools::compRelSEM(lavaan::cfa(model, data = x)) per instrument"
  ),
  instruments = instruments
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(here, "research_composite.json"))
