# Categorical covariates and standard errors clustered by a column that spans arms
# (contract v1.1, [analysis] categorical and [analysis] cluster), for
# tests/test_inputs_v11.py. Writes inputs_v11_trial/participants.csv (deterministic,
# set.seed) and inputs_v11.json.
#
# The model: OLS of income on the arm indicators (control = reference) plus age and the
# categorical covariate educ. trustexp enters educ as indicators of its levels but the
# first, zero where educ is missing, plus a missingness indicator; here, independently,
# educ is an R factor in which a missing value is a level of its own ("(missing)"), which
# spans the same columns. Age has missing values too: mean-imputed with an indicator.
# Standard errors CR2 by village (villages hold people of every arm; people were
# randomised), Bell-McCaffrey degrees of freedom, as estimatr::lm_robust; and HC2
# without clusters. Run from tests/reference: Rscript inputs_v11.R
suppressPackageStartupMessages({ library(estimatr); library(jsonlite) })

set.seed(20260112)
n <- 180
village <- sprintf("V%02d", sample(1:12, n, replace = TRUE))
arm <- sample(rep(c("control", "guidance", "exemption"), each = n / 3))
educ <- sample(c("laag", "midden", "hoog"), n, replace = TRUE, prob = c(.4, .35, .25))
educ[sample(n, 9)] <- NA
age <- round(runif(n, 20, 64))
age[sample(n, 6)] <- NA
v_eff <- rnorm(12, 0, 150)[as.integer(substr(village, 2, 3))]
income <- 900 + 120 * (arm == "guidance") + 40 * (arm == "exemption") +
  80 * (educ %in% "hoog") - 60 * (educ %in% "laag") + 3 * ifelse(is.na(age), 40, age) +
  v_eff + rnorm(n, 0, 250)
p <- data.frame(
  person_id = sprintf("P%04d", 1:n), site = "Tilburg", arm = arm,
  randomised_on = "2019-03-01", age = age, educ = educ, village = village,
  income = round(income, 2), stringsAsFactors = FALSE
)
write.csv(p, "inputs_v11_trial/participants.csv", row.names = FALSE, na = "")

d <- p
d$arm <- factor(d$arm, levels = c("control", "guidance", "exemption"))
d$educ_f <- factor(ifelse(is.na(d$educ), "(missing)", d$educ))
d$age_missing <- as.numeric(is.na(d$age))
d$age_imp <- ifelse(is.na(d$age), mean(d$age, na.rm = TRUE), d$age)

fit <- function(se, clusters = NULL) {
  m <- if (is.null(clusters)) {
    lm_robust(income ~ arm + age_imp + age_missing + educ_f, data = d, se_type = se)
  } else {
    lm_robust(income ~ arm + age_imp + age_missing + educ_f, data = d, se_type = se,
              clusters = village)
  }
  out <- list()
  for (a in c("guidance", "exemption")) {
    term <- paste0("arm", a)
    out[[a]] <- list(estimate = unname(coef(m)[term]), std_error = unname(m$std.error[term]),
                     df = unname(m$df[term]), p_value = unname(m$p.value[term]),
                     ci_low = unname(m$conf.low[term]), ci_high = unname(m$conf.high[term]))
  }
  out
}

# balance: shares of each educ level among those observed, per arm
shares <- list()
for (a in levels(d$arm)) {
  obs <- d$educ[d$arm == a & !is.na(d$educ)]
  shares[[a]] <- as.list(table(factor(obs, levels = c("hoog", "laag", "midden"))) / length(obs))
}

write_json(list(cr2_village = fit("CR2", TRUE), hc2 = fit("HC2"), shares = shares),
           "inputs_v11.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
