# End-to-end reference for `samen analyze`: data sets through psych, lavaan and multilevel.
#
# 1. psych::bfi, three scales with reverse-keyed items (Agreeableness: -A1; Conscientiousness:
#    -C4, -C5; Extraversion: -E1, -E2), 6-point answers (1-6) with their own missing answers,
#    and education (1-5) as the grouping column. Rows without education are dropped so that
#    every respondent has a group; item-level missing answers are kept.
# 2. A synthetic team survey generated here (set.seed(2026)): 50 teams of 1 to 15 people
#    (single-person teams get no rwg(j)), three 4-item scales on a 4-point scale with one
#    reverse-keyed item in two of them, team effects, 5% missing answers and 8 respondents
#    without a team (left out of the aggregation only).
#
# Writes, next to this script:
#   data/report_bfi.csv, data/report_teams.csv      the data `samen analyze` reads
#   report_reference.json, report_reference_teams.json
#                                                   every field of the DESIGN.md contract
#
# Run from the repository root:  Rscript tests/reference/report_reference.R
# The test suite reads the JSON and never needs R.

suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
  library(lavaan)
  library(multilevel)
  library(jsonlite)
})

here <- "tests/reference"
min_share <- 2 / 3
items_of <- function(k) sub("^-", "", k)

scale_score <- function(m) {
  share <- rowSums(!is.na(m)) / ncol(m)
  s <- rowMeans(m, na.rm = TRUE)
  s[share < min_share] <- NA
  s
}

reference <- function(raw, keys, group_col, low, high, data_note, csv_name, json_name) {
  all_items <- unlist(lapply(keys, items_of), use.names = FALSE)
  write.csv(raw, file.path(here, "data", csv_name), row.names = FALSE, na = "")

  # Reverse-key first (low + high - x), as Samen does before any statistic.
  rev_items <- items_of(unlist(keys)[grepl("^-", unlist(keys))])
  x <- raw[, all_items]
  for (it in rev_items) x[[it]] <- low + high - x[[it]]
  group <- raw[[group_col]]

  scales <- list()
  for (name in names(keys)) {
    its <- items_of(keys[[name]])
    m <- x[, its]
    a <- psych::alpha(m, check.keys = FALSE, warnings = FALSE)
    om <- suppressWarnings(suppressMessages(psych::omega(m, nfactors = 1, plot = FALSE)))
    pc <- suppressWarnings(psych::polychoric(m)$rho)
    oa <- psych::alpha(pc, check.keys = FALSE, warnings = FALSE)$total$raw_alpha
    s <- scale_score(m)
    ok <- !is.na(s) & !is.na(group)
    fit <- aov(s[ok] ~ as.factor(group[ok]))
    a_opt <- high - low + 1
    rw <- multilevel::rwg.j(m, group, ranvar = (a_opt^2 - 1) / 12)
    item_tab <- list()
    for (it in its) {
      item_tab[[it]] <- list(
        mean = a$item.stats[it, "mean"],
        sd = a$item.stats[it, "sd"],
        r_drop = a$item.stats[it, "r.drop"],
        alpha_if_dropped = a$alpha.drop[it, "raw_alpha"]
      )
    }
    scales[[name]] <- list(
      n = sum(!is.na(s)),
      mean = mean(s, na.rm = TRUE),
      sd = sd(s, na.rm = TRUE),
      alpha = a$total$raw_alpha,
      alpha_ci = c(a$feldt$lower.ci[[1]], a$feldt$upper.ci[[1]]),
      std_alpha = a$total$std.alpha,
      omega_total = om$omega.tot,
      ordinal_alpha = oa,
      items = item_tab,
      icc1 = multilevel::ICC1(fit),
      icc2 = multilevel::ICC2(fit),
      rwg_j_mean = mean(rw$rwg.j, na.rm = TRUE),
      rwg_j_median = median(rw$rwg.j, na.rm = TRUE)
    )
  }

  nf <- length(keys)
  k <- KMO(x)
  b <- cortest.bartlett(x)
  set.seed(42)
  pa <- suppressWarnings(suppressMessages(
    fa.parallel(x, fm = "minres", fa = "fa", n.iter = 20, plot = FALSE)
  ))
  efa <- suppressWarnings(fa(x, nfactors = nf, rotate = "oblimin", fm = "minres"))
  L <- unclass(efa$loadings)
  loadings <- list()
  for (it in rownames(L)) {
    loadings[[it]] <- as.list(setNames(L[it, ], colnames(L)))
  }
  om_all <- suppressWarnings(suppressMessages(psych::omega(x, nfactors = nf, plot = FALSE)))

  model <- paste(
    vapply(names(keys), function(n) paste(n, "=~", paste(items_of(keys[[n]]), collapse = " + ")), ""),
    collapse = "\n"
  )
  cf <- lavaan::cfa(model, data = x)
  fm <- lavaan::fitMeasures(cf, c(
    "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr"
  ))
  ss <- lavaan::standardizedSolution(cf)
  ss <- ss[ss$op == "=~", ]
  cfa_loadings <- list()
  for (i in seq_len(nrow(ss))) {
    cfa_loadings[[ss$rhs[i]]] <- setNames(list(ss$est.std[i]), ss$lhs[i])
  }

  out <- list(
    header = list(
      generated_by = "tests/reference/report_reference.R",
      R = R.version.string,
      packages = lapply(
        c(psych = "psych", GPArotation = "GPArotation", lavaan = "lavaan",
          multilevel = "multilevel", jsonlite = "jsonlite"),
        function(p) as.character(packageVersion(p))
      ),
      data = data_note,
      csv = file.path("data", csv_name),
      group = group_col,
      keys = keys,
      range = c(low, high),
      min_share = min_share,
      calls = c(
        "items reverse-keyed as low + high - x; scale score = rowMeans(na.rm=TRUE) when share answered >= min_share",
        "psych::alpha(items, check.keys=FALSE): raw_alpha, std.alpha, feldt CI, item.stats mean/sd/r.drop, alpha.drop raw_alpha",
        "psych::omega(items, nfactors=1)$omega.tot",
        "psych::alpha(psych::polychoric(items)$rho)$total$raw_alpha  (ordinal_alpha)",
        "multilevel::ICC1/ICC2(aov(score ~ as.factor(group))) on valid scale scores with a group",
        "multilevel::rwg.j(items, group, ranvar=(A^2-1)/12), A = high-low+1; mean/median over groups",
        "psych::KMO(all items); psych::cortest.bartlett(all items)",
        "set.seed(42); psych::fa.parallel(all items, fm='minres', fa='fa', n.iter=20)$nfact",
        "psych::fa(all items, nfactors=<number of scales>, rotate='oblimin', fm='minres')$loadings",
        "psych::omega(all items, nfactors=<number of scales>): omega_h, omega.tot",
        "lavaan::cfa(one factor per scale, data) defaults; fitMeasures; standardizedSolution est.std"
      )
    ),
    n = nrow(raw),
    scales = scales,
    efa = list(
      kmo = k$MSA,
      kmo_items = as.list(k$MSAi),
      bartlett = list(chisq = b$chisq, df = b$df, p = b$p.value),
      parallel_n_factors = pa$nfact,
      n_factors = nf,
      loadings = loadings
    ),
    cfa = list(
      chisq = fm[["chisq"]], df = fm[["df"]], p = fm[["pvalue"]], cfi = fm[["cfi"]],
      tli = fm[["tli"]], rmsea = fm[["rmsea"]],
      rmsea_ci = c(fm[["rmsea.ci.lower"]], fm[["rmsea.ci.upper"]]),
      srmr = fm[["srmr"]], loadings = cfa_loadings
    ),
    omega = list(hierarchical = om_all$omega_h, total = om_all$omega.tot, n_factors = nf)
  )
  writeLines(
    toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
    file.path(here, json_name)
  )
}

# 1. psych::bfi
data(bfi, package = "psych")
bfi_keys <- list(
  agree = c("-A1", "A2", "A3", "A4", "A5"),
  consc = c("C1", "C2", "C3", "-C4", "-C5"),
  extra = c("-E1", "-E2", "E3", "E4", "E5")
)
raw <- bfi[!is.na(bfi$education), c("education", unlist(lapply(bfi_keys, items_of)))]
rownames(raw) <- NULL
reference(
  raw, bfi_keys, "education", 1, 6,
  "psych::bfi, rows with education; columns education and the 15 items below",
  "report_bfi.csv", "report_reference.json"
)

# 2. synthetic teams
set.seed(2026)
n_teams <- 50
sizes <- sample(c(1, 1, 1, 2:15), n_teams, replace = TRUE)
team <- rep(sprintf("T%02d", seq_len(n_teams)), sizes)
n <- length(team)
g <- rnorm(n)
teams_raw <- data.frame(team = team, stringsAsFactors = FALSE)
teams_keys <- list(
  voice = c("v1", "v2", "v3", "-v4"),
  belong = c("b1", "-b2", "b3", "b4"),
  support = c("s1", "s2", "s3", "s4")
)
for (name in names(teams_keys)) {
  effect <- rnorm(n_teams, 0, 0.5)[as.integer(factor(team))]
  f <- 0.5 * g + 0.8 * rnorm(n) + effect
  for (key in teams_keys[[name]]) {
    sign <- if (startsWith(key, "-")) -1 else 1
    latent <- sign * 0.8 * f + 0.6 * rnorm(n)
    answer <- as.integer(cut(latent, c(-Inf, -0.8, 0, 0.8, Inf)))
    answer[runif(n) < 0.05] <- NA
    teams_raw[[items_of(key)]] <- answer
  }
}
teams_raw$team[sample(n, 8)] <- NA
reference(
  teams_raw, teams_keys, "team", 1, 4,
  "synthetic: set.seed(2026), 50 teams of 1-15, three 4-item scales on 1-4, 5% missing",
  "report_teams.csv", "report_reference_teams.json"
)
