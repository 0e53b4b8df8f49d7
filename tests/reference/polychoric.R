# Reference values for engine/psychometrics/polychoric.py and engine.psychometrics.reliability.ordinal_alpha.
#
# Run from the repository root:  Rscript tests/reference/polychoric.R   (about a minute)
# Writes tests/reference/polychoric.json; the test suite reads that file and never needs R.
#
# r <- psych::polychoric(x) with its defaults (global = TRUE thresholds, correct = 0.5,
# smooth = TRUE); ordinal alpha = psych::alpha(r$rho)$total$raw_alpha.
# Reverse-keyed items are recoded as low + high - x first. Warnings psych gives (non-global
# thresholds, continuity correction, smoothing) are kept in each case's "warnings".
# Thresholds (tau) are written as strings "Inf"/"-Inf" where infinite.
#
# Cases:
#  - psych_bfi, the five Big Five scales, all 2800 rows (missing answers; six categories)
#  - multilevel_lq2002, LEAD (11 items), TSIG (3), HOSTIL (5; coded 0-4, skewed)
#  - psych_bfi, all 25 items, first 60 rows: not positive definite, so psych smooths it
#  - psych_bfi agree, rows with A2 < 6: A2 has fewer categories, so psych turns global
#    thresholds off
#  - psych_bfi agree, first 300 rows with A2's top categories 5 and 6 merged (6 -> 5):
#    non-global thresholds plus the continuity correction for zero cells
suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})
ref <- file.path("tests", "reference")
bfi <- read.csv(file.path(ref, "data", "psych_bfi.csv"))
lq <- read.csv(file.path(ref, "data", "multilevel_lq2002.csv"))

reverse_of <- function(keys) sub("^-", "", keys[startsWith(keys, "-")])
run_case <- function(dataset, scale, x, reverse, low, high, rows = "all", recode = "none") {
  for (item in reverse) x[[item]] <- low + high - x[[item]]
  warns <- character(0)
  r <- withCallingHandlers(
    psych::polychoric(x),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    }
  )
  a <- suppressWarnings(psych::alpha(r$rho, warnings = FALSE))
  tau <- unname(r$tau)
  tau_text <- matrix(ifelse(is.infinite(tau), ifelse(tau > 0, "Inf", "-Inf"),
                            sprintf("%.17g", tau)), nrow = nrow(tau))
  list(dataset = dataset, scale = scale, rows = rows, recode = recode,
       items = I(colnames(x)), reverse = I(reverse), low = low, high = high,
       rho = unname(r$rho), tau = tau_text, ordinal_alpha = a$total$raw_alpha,
       warnings = I(warns))
}

cases <- list()
for (name in names(bfi.keys)) {
  items <- sub("^-", "", bfi.keys[[name]])
  cases[[length(cases) + 1]] <- run_case("psych_bfi.csv", name, bfi[, items],
                                         reverse_of(bfi.keys[[name]]), 1, 6)
}
lq_scales <- list(LEAD = sprintf("LEAD%02d", 1:11), TSIG = sprintf("TSIG%02d", 1:3),
                  HOSTIL = sprintf("HOSTIL%02d", 1:5))
for (name in names(lq_scales)) {
  low <- if (name == "HOSTIL") 0 else 1
  high <- if (name == "HOSTIL") 4 else 5
  cases[[length(cases) + 1]] <- run_case("multilevel_lq2002.csv", name, lq[, lq_scales[[name]]],
                                         character(0), low, high)
}
all_keys <- unlist(bfi.keys, use.names = FALSE)
cases[[length(cases) + 1]] <- run_case("psych_bfi.csv", "all25", bfi[1:60, 1:25],
                                       reverse_of(all_keys), 1, 6, rows = "1:60")
agree <- sub("^-", "", bfi.keys$agree)
keep <- which(bfi$A2 < 6)
cases[[length(cases) + 1]] <- run_case("psych_bfi.csv", "agree", bfi[keep, agree], "A1", 1, 6,
                                       rows = "A2 < 6")
x <- bfi[1:300, agree]
x$A2[x$A2 == 6] <- 5
cases[[length(cases) + 1]] <- run_case("psych_bfi.csv", "agree", x, "A1", 1, 6,
                                       rows = "1:300", recode = "A2: 6 -> 5")

header <- list(
  generated_by = "tests/reference/polychoric.R",
  r_version = R.version.string,
  packages = list(psych = as.character(packageVersion("psych")),
                  mnormt = as.character(packageVersion("mnormt")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  calls = c("x[rev] <- low + high - x[rev]",
            "r <- psych::polychoric(x)  # global = TRUE, correct = 0.5, smooth = TRUE",
            "ordinal_alpha = psych::alpha(r$rho)$total$raw_alpha"),
  note = paste("psych's optimize() stops at tol = .Machine$double.eps^0.25 (about 1e-4)",
               "and mnormt::sadmvn has abseps = 1e-6, so rho is exact to about 1e-4 only")
)
write_json(list(header = header, cases = cases), file.path(ref, "polychoric.json"),
           digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null", matrix = "rowmajor")
