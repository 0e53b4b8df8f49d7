# Reference for the programme evaluation page (webapp/results/programme.py) on the demo.
#
# data/programme_demo.csv: every response the evaluation of the demo's programme
# ("Inclusief leiderschap": 7 units, wave 2025-2 before, 2026-1 after) uses for two scales,
# after disclosure control (units whose cell is released in both waves), written by
#   python -m tests.webapp.test_programme_reference
# Columns: scale, unit, wave (before/after), programme (1/0), score (the scale score).
#
# Per scale:
#   fit <- lm(score ~ did + factor(unit) + factor(wave))            did = programme * post
#   clubSandwich::coef_test(fit, vcov = "CR2", cluster = unit, test = "Satterthwaite")
#   clubSandwich::conf_int(fit, vcov = "CR2", cluster = unit, test = "Satterthwaite")
#   lme4::lmer(score ~ programme * post + (1 | unit), REML = TRUE)   second opinion
#   group means: mean(score) per side (programme 1/0) and wave, n = responses
#
# Run from the repository root:  Rscript tests/reference/programme_demo.R
# The test suite reads the JSON and never needs R.

suppressPackageStartupMessages({
  library(clubSandwich)
  library(lme4)
  library(jsonlite)
})

here <- "tests/reference"
raw <- read.csv(file.path(here, "data", "programme_demo.csv"), stringsAsFactors = FALSE)

reference <- function(d) {
  d$post <- as.integer(d$wave == "after")
  d$did <- d$programme * d$post
  fit <- lm(score ~ did + factor(unit) + factor(wave), data = d)
  ct <- coef_test(fit, vcov = "CR2", cluster = d$unit, test = "Satterthwaite")
  ci <- conf_int(fit, vcov = "CR2", cluster = d$unit, test = "Satterthwaite", level = 0.95)
  mixed <- lmer(score ~ programme * post + (1 | unit), data = d, REML = TRUE)
  group <- function(p, w) {
    s <- d$score[d$programme == p & d$wave == w]
    list(n = length(s), mean = mean(s))
  }
  list(estimate = ct["did", "beta"], se = ct["did", "SE"], df = ct["did", "df_Satt"],
       p = ct["did", "p_Satt"], ci = c(ci["did", "CI_L"], ci["did", "CI_U"]), n = nrow(d),
       units = list(programme = length(unique(d$unit[d$programme == 1])),
                    other = length(unique(d$unit[d$programme == 0]))),
       mixed = list(estimate = unname(fixef(mixed)["programme:post"]),
                    se = unname(sqrt(diag(as.matrix(vcov(mixed))))[4])),
       groups = list(programme = list(before = group(1, "before"), after = group(1, "after")),
                     other = list(before = group(0, "before"), after = group(0, "after"))))
}

scales <- sort(unique(raw$scale))
results <- setNames(lapply(scales, function(s) reference(raw[raw$scale == s, ])), scales)
header <- list(
  generated_by = "tests/reference/programme_demo.R",
  r_version = R.version.string,
  packages = list(clubSandwich = as.character(packageVersion("clubSandwich")),
                  lme4 = as.character(packageVersion("lme4")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  data = "data/programme_demo.csv (the demo's programme 1, units released in both waves)",
  calls = c(
    "fit <- lm(score ~ did + factor(unit) + factor(wave))",
    "clubSandwich::coef_test(fit, vcov = \"CR2\", cluster = unit, test = \"Satterthwaite\")",
    "clubSandwich::conf_int(fit, vcov = \"CR2\", cluster = unit, test = \"Satterthwaite\", level = 0.95)",
    "lme4::lmer(score ~ programme * post + (1 | unit), REML = TRUE); fixef, sqrt(diag(vcov))",
    "group means: mean(score[programme == p & wave == w]), n = length"))
writeLines(toJSON(list(header = header, scales = results), auto_unbox = TRUE, digits = NA,
                  pretty = TRUE),
           file.path(here, "programme_demo.json"))
