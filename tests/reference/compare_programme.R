# Reference for `samen compare programme`: the programme effect as a difference in differences.
#
# Data generated here (set.seed(2610)) with a known effect: 22 teams in two rounds
# ("2025-2" before, "2026-2" after); the 8 teams whose leaders followed the programme
# (programme = 1) rise by 0.40 on belonging (4 items, 1-5, bel4 reverse-keyed) and by 0 on
# safety (3 items, 1-5) beyond the other 14 teams' change of 0.10. Team effects (SD 0.35),
# respondent noise, answers rounded onto the 1-5 scale, 6% missing answers. Three teams are
# left out by the k rule (k = 5 valid scale scores, counted per team and round): T20 has 3
# respondents after, T21 4 before, T22 answered only before.
#
# Per scale, exactly as the engine: reverse-keyed items recoded 6 - x, the score is the mean
# of the answered items when at least 2/3 are answered (else NA); a team is used only when it
# has at least k = 5 valid scores in both rounds. Then
#   fit <- lm(score ~ did + factor(unit) + factor(wave))           did = programme * post
#   clubSandwich::coef_test(fit, vcov = "CR2", cluster = unit, test = "Satterthwaite")
#   clubSandwich::conf_int(fit, vcov = "CR2", cluster = unit, test = "Satterthwaite")
#   lme4::lmer(score ~ programme * post + (1 | unit), REML = TRUE)  second opinion
#
# A public data set as well: clubSandwich's AchievementAwardsRCT (see below).
#
# Writes, next to this script:
#   data/compare_programme.csv     what `samen compare programme` reads
#   data/compare_programme_awards.csv
#   compare_programme.json         the R numbers
#
# Run from the repository root:  Rscript tests/reference/compare_programme.R
# The test suite reads the JSON and never needs R.

suppressPackageStartupMessages({
  library(clubSandwich)
  library(lme4)
  library(jsonlite)
})

here <- "tests/reference"
k <- 5
min_share <- 2 / 3
set.seed(2610)

# -- the data ---------------------------------------------------------------------------------
units <- sprintf("T%02d", 1:22)
treated <- c(rep(1, 8), rep(0, 14))
names(treated) <- units
team_effect <- rnorm(22, 0, 0.35)
names(team_effect) <- units
size <- function(u, post) {
  if (u == "T20" && post == 1) return(3)
  if (u == "T21" && post == 0) return(4)
  if (u == "T22" && post == 1) return(0)
  sample(6:18, 1)
}
rows <- list()
for (u in units) for (post in 0:1) {
  n <- size(u, post)
  if (n == 0) next
  shift_bel <- team_effect[[u]] + 0.10 * post + 0.40 * post * treated[[u]]
  shift_saf <- 0.8 * team_effect[[u]] + 0.10 * post
  latent_bel <- 3.2 + shift_bel + rnorm(n, 0, 0.6)
  latent_saf <- 3.4 + shift_saf + rnorm(n, 0, 0.6)
  item <- function(latent, reverse = FALSE) {
    x <- round(latent + rnorm(length(latent), 0, 0.7))
    x <- pmin(5, pmax(1, x))
    if (reverse) x <- 6 - x
    x
  }
  rows[[length(rows) + 1]] <- data.frame(
    team = u, round = if (post == 1) "2026-2" else "2025-2", programme = treated[[u]],
    bel1 = item(latent_bel), bel2 = item(latent_bel), bel3 = item(latent_bel),
    bel4 = item(latent_bel, reverse = TRUE),
    saf1 = item(latent_saf), saf2 = item(latent_saf), saf3 = item(latent_saf))
}
raw <- do.call(rbind, rows)
raw <- raw[sample(nrow(raw)), ]  # no order to lean on
item_cols <- c("bel1", "bel2", "bel3", "bel4", "saf1", "saf2", "saf3")
for (col in item_cols) raw[[col]][runif(nrow(raw)) < 0.06] <- NA
write.csv(raw, file.path(here, "data", "compare_programme.csv"), row.names = FALSE, na = "")

# -- the reference -----------------------------------------------------------------------------
scale_score <- function(m) {
  share <- rowSums(!is.na(m)) / ncol(m)
  s <- rowMeans(m, na.rm = TRUE)
  s[share < min_share - 1e-9] <- NA
  s
}
scales <- list(belonging = list(items = c("bel1", "bel2", "bel3", "bel4"), reverse = "bel4"),
               safety = list(items = c("saf1", "saf2", "saf3"), reverse = character(0)))

reference <- function(raw, spec, unit_col, wave_col, treated_col, before, after, low, high) {
  m <- raw[, spec$items, drop = FALSE]
  for (r in spec$reverse) m[[r]] <- low + high - m[[r]]
  d <- data.frame(unit = as.character(raw[[unit_col]]), wave = as.character(raw[[wave_col]]),
                  programme = raw[[treated_col]], score = scale_score(m))
  d <- d[d$wave %in% c(before, after), ]
  present <- unique(d$unit)
  d <- d[!is.na(d$score), ]
  d$post <- as.integer(d$wave == after)
  counts <- table(factor(d$unit, levels = present), factor(d$post, levels = 0:1))
  kept <- rownames(counts)[counts[, "0"] >= k & counts[, "1"] >= k]
  d <- d[d$unit %in% kept, ]
  arm <- tapply(d$programme, d$unit, function(x) x[1])
  d$did <- d$programme * d$post
  fit <- lm(score ~ did + factor(unit) + factor(wave), data = d)
  ct <- coef_test(fit, vcov = "CR2", cluster = d$unit, test = "Satterthwaite")
  ci <- conf_int(fit, vcov = "CR2", cluster = d$unit, test = "Satterthwaite", level = 0.95)
  mixed <- lmer(score ~ programme * post + (1 | unit), data = d, REML = TRUE)
  means <- aggregate(score ~ unit + post, data = d, FUN = mean)
  ns <- aggregate(score ~ unit + post, data = d, FUN = length)
  unit_means <- lapply(sort(kept), function(u) list(
    unit = u, treated = arm[[u]] == 1,
    before = means$score[means$unit == u & means$post == 0],
    after = means$score[means$unit == u & means$post == 1],
    n_before = ns$score[ns$unit == u & ns$post == 0],
    n_after = ns$score[ns$unit == u & ns$post == 1]))
  list(items = I(spec$items), reverse = I(spec$reverse),
       estimate = ct["did", "beta"], se = ct["did", "SE"], t = ct["did", "tstat"],
       df = ct["did", "df_Satt"], p = ct["did", "p_Satt"],
       ci = c(ci["did", "CI_L"], ci["did", "CI_U"]), n = nrow(d),
       units = list(treated = sum(arm == 1), control = sum(arm == 0)),
       units_left_out = length(setdiff(present, kept)),
       mixed = list(estimate = unname(fixef(mixed)["programme:post"]),
                    se = unname(sqrt(diag(as.matrix(vcov(mixed))))[4]),
                    sigma = sigma(mixed),
                    sd_unit = attr(VarCorr(mixed)$unit, "stddev")[[1]]),
       unit_means = unit_means)
}

results <- lapply(scales, reference, raw = raw, unit_col = "team", wave_col = "round",
                  treated_col = "programme", before = "2025-2", after = "2026-2", low = 1, high = 5)

# -- a public data set: the Achievement Awards RCT (Angrist & Lavy 2009, in clubSandwich) ----
# (shipped with clubSandwich under GPL-3; Angrist, J. D., & Lavy, V. (2009). The effects of
# high stakes high school achievement awards. American Economic Review, 99(4), 1384-1414.)
# 40 Israeli high schools, awards for passing the Bagrut offered in 2001 to the students of
# the treated schools; students of 1999-2002. Compared here: 2000 (before) and 2001 (after),
# with Bagrut_status (0/1) as a one-item "scale" and the three achievement indicators
# (achv_math, achv_english, achv_hebrew; 0/1) as a second, on the range 0-1.
data(AchievementAwardsRCT, package = "clubSandwich")
awards <- as.data.frame(AchievementAwardsRCT)[, c("school_id", "year", "treated",
  "Bagrut_status", "achv_math", "achv_english", "achv_hebrew")]
awards$school_id <- sprintf("S%02d", as.integer(awards$school_id))
awards$year <- as.character(awards$year)
awards <- awards[order(awards$year, awards$school_id), ]
write.csv(awards, file.path(here, "data", "compare_programme_awards.csv"), row.names = FALSE,
          na = "")
award_scales <- list(
  bagrut = list(items = "Bagrut_status", reverse = character(0)),
  achievement = list(items = c("achv_math", "achv_english", "achv_hebrew"),
                     reverse = character(0)))
award_results <- lapply(award_scales, reference, raw = awards, unit_col = "school_id",
                        wave_col = "year", treated_col = "treated", before = "2000",
                        after = "2001", low = 0, high = 1)
header <- list(
  generated_by = "tests/reference/compare_programme.R",
  r_version = R.version.string,
  packages = list(clubSandwich = as.character(packageVersion("clubSandwich")),
                  lme4 = as.character(packageVersion("lme4")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  data = "data/compare_programme.csv (set.seed(2610); true effect 0.40 on belonging, 0 on safety)",
  k = k, min_share = "2/3", unit_column = "team", wave_column = "round",
  treated_column = "programme", before = "2025-2", after = "2026-2", range = c(1, 5),
  calls = c(
    "fit <- lm(score ~ did + factor(unit) + factor(wave))",
    "clubSandwich::coef_test(fit, vcov = \"CR2\", cluster = unit, test = \"Satterthwaite\")",
    "clubSandwich::conf_int(fit, vcov = \"CR2\", cluster = unit, test = \"Satterthwaite\", level = 0.95)",
    "lme4::lmer(score ~ programme * post + (1 | unit), REML = TRUE); fixef, sqrt(diag(vcov))",
    "unit means: aggregate(score ~ unit + post, FUN = mean)"))
out <- list(header = header, scales = results, awards = list(
  data = paste("data/compare_programme_awards.csv: clubSandwich::AchievementAwardsRCT",
               "(Angrist & Lavy 2009), years 1999-2002"),
  unit_column = "school_id", wave_column = "year", treated_column = "treated",
  before = "2000", after = "2001", range = c(0, 1), scales = award_results))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(here, "compare_programme.json"))
