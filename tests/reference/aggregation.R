# Reference values for engine/psychometrics/aggregation.py (ICC(1), ICC(2), rwg(j)).
#
# Run from the repository root:  Rscript tests/reference/aggregation.R
# Writes tests/reference/aggregation.json; the test suite reads that file and never needs R.
#
# ICC: fit <- aov(score ~ as.factor(group)); multilevel::ICC1(fit), multilevel::ICC2(fit)
#      (rows with a missing score or group are dropped by aov's na.omit).
# rwg(j): multilevel::rwg.j(x, group, ranvar = (A^2 - 1) / 12), listwise within groups.
# Scale scores of psych_bfi/lq2002: reverse-keyed items recoded as low + high - x, then the
# mean of the answered items when answered / n_items >= 2/3, else NA (as engine.psychometrics.scoring).
suppressPackageStartupMessages({
  library(psych)
  library(multilevel)
  library(jsonlite)
})
ref <- file.path("tests", "reference")
bfi <- read.csv(file.path(ref, "data", "psych_bfi.csv"))
lq <- read.csv(file.path(ref, "data", "multilevel_lq2002.csv"))
bh <- read.csv(file.path(ref, "data", "multilevel_bh1996.csv"))

keyed <- function(x, reverse, low, high) {
  for (item in reverse) x[[item]] <- low + high - x[[item]]
  x
}
score <- function(x) {
  answered <- rowSums(!is.na(x))
  ifelse(answered / ncol(x) >= 2 / 3 - 1e-9, rowMeans(x, na.rm = TRUE), NA)
}
icc_case <- function(dataset, scale, group_column, s, g, items = character(0), reverse = character(0),
                     low = NA, high = NA) {
  fit <- aov(s ~ as.factor(g))
  tab <- summary(fit)[[1]]
  list(dataset = dataset, scale = scale, group = group_column, items = I(items),
       reverse = I(reverse), low = low, high = high,
       icc1 = ICC1(fit), icc2 = ICC2(fit),
       n_groups = tab[1, "Df"] + 1, n = tab[1, "Df"] + tab[2, "Df"] + 1,
       msb = tab[1, "Mean Sq"], msw = tab[2, "Mean Sq"],
       f = tab[1, "F value"], p = tab[1, "Pr(>F)"])
}
rwg_case <- function(dataset, scale, group_column, x, g, items, reverse, low, high) {
  a <- high - low + 1
  r <- rwg.j(x, g, ranvar = (a^2 - 1) / 12)
  list(dataset = dataset, scale = scale, group = group_column, items = I(items),
       reverse = I(reverse), low = low, high = high, n_options = a,
       groups = I(as.character(r$grpid)), rwg_j = I(r$rwg.j), group_size = I(r$gsize),
       mean = mean(r$rwg.j, na.rm = TRUE), median = median(r$rwg.j, na.rm = TRUE))
}

iccs <- list()
rwgs <- list()
for (v in c("COHES", "LEAD", "WBEING", "HRS")) {
  iccs[[length(iccs) + 1]] <- icc_case("multilevel_bh1996.csv", v, "GRP", bh[[v]], bh$GRP)
}
lq_scales <- list(LEAD = sprintf("LEAD%02d", 1:11), TSIG = sprintf("TSIG%02d", 1:3),
                  HOSTIL = sprintf("HOSTIL%02d", 1:5))
for (name in names(lq_scales)) {
  items <- lq_scales[[name]]
  low <- if (name == "HOSTIL") 0 else 1
  high <- if (name == "HOSTIL") 4 else 5
  x <- lq[, items]
  iccs[[length(iccs) + 1]] <- icc_case("multilevel_lq2002.csv", name, "COMPID", score(x),
                                       lq$COMPID, items, character(0), low, high)
  rwgs[[length(rwgs) + 1]] <- rwg_case("multilevel_lq2002.csv", name, "COMPID", x, lq$COMPID,
                                       items, character(0), low, high)
}
# psych_bfi: missing answers, reverse-keyed items, unbalanced groups (education has missing
# labels; age has groups of one respondent).
for (name in names(bfi.keys)) {
  keys <- bfi.keys[[name]]
  items <- sub("^-", "", keys)
  reverse <- sub("^-", "", keys[startsWith(keys, "-")])
  x <- keyed(bfi[, items], reverse, 1, 6)
  for (g in c("education", "age")) {
    iccs[[length(iccs) + 1]] <- icc_case("psych_bfi.csv", name, g, score(x), bfi[[g]],
                                         items, reverse, 1, 6)
    rwgs[[length(rwgs) + 1]] <- rwg_case("psych_bfi.csv", name, g, x, bfi[[g]], items,
                                         reverse, 1, 6)
  }
}

header <- list(
  generated_by = "tests/reference/aggregation.R",
  r_version = R.version.string,
  packages = list(multilevel = as.character(packageVersion("multilevel")),
                  psych = as.character(packageVersion("psych")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  calls = c("fit <- aov(score ~ as.factor(group)); multilevel::ICC1(fit); multilevel::ICC2(fit)",
            "msb, msw, f, p from summary(fit)[[1]]",
            "score = rowMeans(x, na.rm = TRUE) if answered / n_items >= 2/3 else NA",
            "r <- multilevel::rwg.j(x, group, ranvar = (A^2 - 1) / 12), A = high - low + 1",
            "mean(r$rwg.j, na.rm = TRUE); median(r$rwg.j, na.rm = TRUE)")
)
write_json(list(header = header, icc = iccs, rwg_j = rwgs),
           file.path(ref, "aggregation.json"), digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null")
