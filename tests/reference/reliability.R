# Reference values for engine/psychometrics/scoring.py and engine/psychometrics/reliability.py.
#
# Run from the repository root:  Rscript tests/reference/reliability.R
# Writes tests/reference/reliability.json; the test suite reads that file and never needs R.
#
# For every scale: reverse-keyed items are recoded as low + high - x, rows without any
# answer are dropped (the engine counts n over respondents who answered at least one item),
# then psych::alpha(x) is called with its defaults (use = "pairwise"), and
# psych::alpha(x)$feldt gives the Feldt confidence interval (psych::alpha.ci).
# sem = sd * sqrt(1 - raw_alpha) with sd of the mean score as psych::alpha reports it.
# Scale scores: mean of the answered items when answered / n_items >= 2/3, else NA.
# Favourable share: share of non-missing answers in the top two points of the range.
suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})
ref <- file.path("tests", "reference")
bfi <- read.csv(file.path(ref, "data", "psych_bfi.csv"))
lq <- read.csv(file.path(ref, "data", "multilevel_lq2002.csv"))

keyed <- function(keys) {
  list(items = sub("^-", "", keys), reverse = sub("^-", "", keys[startsWith(keys, "-")]))
}
cases <- list()
for (name in names(bfi.keys)) {
  k <- keyed(bfi.keys[[name]])
  cases[[length(cases) + 1]] <- list(dataset = "psych_bfi.csv", scale = name, items = k$items,
                                     reverse = k$reverse, low = 1, high = 6)
}
lq_scales <- list(LEAD = sprintf("LEAD%02d", 1:11), TSIG = sprintf("TSIG%02d", 1:3),
                  HOSTIL = sprintf("HOSTIL%02d", 1:5))
for (name in names(lq_scales)) {
  low <- if (name == "HOSTIL") 0 else 1
  high <- if (name == "HOSTIL") 4 else 5
  cases[[length(cases) + 1]] <- list(dataset = "multilevel_lq2002.csv", scale = name,
                                     items = lq_scales[[name]], reverse = character(0),
                                     low = low, high = high)
}

min_share <- 2 / 3
results <- lapply(cases, function(case) {
  data <- if (case$dataset == "psych_bfi.csv") bfi else lq
  x <- data[, case$items]
  for (item in case$reverse) x[[item]] <- case$low + case$high - x[[item]]
  answered <- rowSums(!is.na(x))
  score <- ifelse(answered / ncol(x) >= min_share - 1e-9, rowMeans(x, na.rm = TRUE), NA)
  fav <- sapply(x, function(v) mean(v >= case$high - 1, na.rm = TRUE))
  x <- x[answered > 0, , drop = FALSE]
  a <- psych::alpha(x, warnings = FALSE)
  tot <- a$total
  list(
    dataset = case$dataset, scale = case$scale, items = I(case$items),
    reverse = I(case$reverse), low = case$low, high = case$high,
    alpha = tot$raw_alpha, std_alpha = tot$std.alpha,
    ci = c(a$feldt$lower.ci[[1]], a$feldt$upper.ci[[1]]),
    n = nrow(x), mean = tot$mean, sd = tot$sd,
    sem = tot$sd * sqrt(1 - tot$raw_alpha),
    item_stats = list(
      item = case$items,
      mean = unname(a$item.stats$mean), sd = unname(a$item.stats$sd),
      r_drop = unname(a$item.stats$r.drop),
      alpha_if_dropped = unname(a$alpha.drop$raw_alpha)
    ),
    score = list(min_share = min_share, n_valid = sum(!is.na(score)),
                 mean = mean(score, na.rm = TRUE), sd = sd(score, na.rm = TRUE),
                 first = head(score, 50)),
    favourable_top2 = unname(fav)
  )
})

header <- list(
  generated_by = "tests/reference/reliability.R",
  r_version = R.version.string,
  packages = list(psych = as.character(packageVersion("psych")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  calls = c("x[rev] <- low + high - x[rev]; x <- x[rowSums(!is.na(x)) > 0, ]",
            "a <- psych::alpha(x, warnings = FALSE)",
            "alpha = a$total$raw_alpha; std_alpha = a$total$std.alpha",
            "ci = c(a$feldt$lower.ci, a$feldt$upper.ci)  # psych::alpha.ci, p.val = .05",
            "mean, sd = a$total$mean, a$total$sd; sem = sd * sqrt(1 - raw_alpha)",
            "items: a$item.stats$mean, $sd, $r.drop; a$alpha.drop$raw_alpha",
            "score = rowMeans(x, na.rm = TRUE) if answered / n_items >= 2/3 else NA",
            "favourable_top2 = mean(x >= high - 1, na.rm = TRUE) per item")
)
write_json(list(header = header, cases = results),
           file.path(ref, "reliability.json"), digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null")
