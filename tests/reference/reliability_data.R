# Export the public data sets used by the reliability, polychoric and aggregation
# reference fixtures to CSV, so that R and Python read exactly the same numbers.
#
# Run from the repository root:  Rscript tests/reference/reliability_data.R
#
# psych::bfi          2800 people, 25 six-point items (1-6) with missing answers,
#                     reverse-keyed items (psych::bfi.keys), gender/education/age.
# multilevel::lq2002  2042 soldiers in 49 companies (COMPID); leadership (11 items,
#                     1-5), task significance (3 items, 1-5), hostility (5 items, 0-4).
# multilevel::bh1996  7382 soldiers in 99 groups (GRP); scale scores COHES, LEAD,
#                     WBEING and HRS (hours worked).
suppressPackageStartupMessages({
  library(psych)
  library(multilevel)
})
out <- file.path("tests", "reference", "data")
dir.create(out, showWarnings = FALSE, recursive = TRUE)

data(bfi, package = "psych")
write.csv(bfi, file.path(out, "psych_bfi.csv"), row.names = FALSE, na = "")

data(lq2002, package = "multilevel")
items <- grep("^(COMPID|LEAD[0-9]+|TSIG[0-9]+|HOSTIL[0-9]+)$", names(lq2002), value = TRUE)
write.csv(lq2002[, items], file.path(out, "multilevel_lq2002.csv"), row.names = FALSE, na = "")

data(bh1996, package = "multilevel")
write.csv(bh1996[, c("GRP", "COHES", "LEAD", "WBEING", "HRS")],
          file.path(out, "multilevel_bh1996.csv"), row.names = FALSE, na = "")
