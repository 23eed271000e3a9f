# Reference values for trustexp.stats.estimate_itt, from estimatr::lm_robust and
# estimatr::lm_lin. Writes itt.json. Run from tests/reference/: Rscript 02_itt.R
suppressPackageStartupMessages({
  library(estimatr)
  library(jsonlite)
})

case <- function(name, data, y, n_arms, covariates = character(0), strata = NULL,
                 cluster = NULL, adjustment = "additive", se_type = "HC2", subset = NULL) {
  list(name = name, data = data, y = y, n_arms = n_arms, covariates = covariates,
       strata = strata, cluster = cluster, adjustment = adjustment, se_type = se_type,
       subset = subset)
}

cases <- list()
add <- function(...) cases[[length(cases) + 1]] <<- case(...)
hc <- c("HC0", "HC1", "HC2", "HC3")
cr <- c("CR0", "CR1", "CR2")

for (se in hc) {
  add(paste0("two_unadj_", se), "trial_two.csv", "y", 2, se_type = se)
  add(paste0("two_strata_covs_", se), "trial_two.csv", "y", 2, c("x1", "x2"), "stratum",
      se_type = se)
  add(paste0("two_lin_", se), "trial_two.csv", "y", 2, c("x1", "x2"), adjustment = "lin",
      se_type = se)
  add(paste0("four_strata_covs_", se), "trial_four.csv", "y", 4, c("x1", "x2"), "stratum",
      se_type = se)
}
add("two_lin_strata_HC2", "trial_two.csv", "y", 2, c("x1", "x2"), "stratum", adjustment = "lin")
add("two_lin_strata_HC1", "trial_two.csv", "y", 2, c("x1", "x2"), "stratum", adjustment = "lin",
    se_type = "HC1")
add("two_binary_HC2", "trial_two.csv", "y_bin", 2, c("x1"), "stratum")
add("two_missing_HC2", "trial_two.csv", "y_miss", 2, c("x1", "x2"), "stratum")
add("two_missing_lin_HC3", "trial_two.csv", "y_miss", 2, c("x1", "x2"), adjustment = "lin",
    se_type = "HC3")
add("two_ancova_HC2", "trial_two.csv", "wb2", 2, c("wb0"), "stratum")
add("two_ancova_lin_HC2", "trial_two.csv", "wb2", 2, c("wb0"), "stratum", adjustment = "lin")
add("two_site0_rankdef_HC2", "trial_two.csv", "y", 2, c("x1", "x3"), "stratum",
    subset = list(column = "site", equals = 0))
add("two_site0_rankdef_lin_HC2", "trial_two.csv", "y", 2, c("x1", "x3"), "stratum",
    adjustment = "lin", subset = list(column = "site", equals = 0))
add("two_site1_HC2", "trial_two.csv", "y", 2, c("x1", "x3"), "stratum",
    subset = list(column = "site", equals = 1))
for (se in cr) {
  add(paste0("four_cluster_", se), "trial_four.csv", "y", 4, c("x1", "x2"), "stratum", "cluster",
      se_type = se)
  add(paste0("few_", se), "trial_few.csv", "y", 2, cluster = "cluster", se_type = se)
  add(paste0("few_cov_", se), "trial_few.csv", "y", 2, c("x1"), cluster = "cluster", se_type = se)
}
add("four_cluster_unadj_CR2", "trial_four.csv", "y", 4, cluster = "cluster", se_type = "CR2")
add("four_lin_strata_CR2", "trial_four.csv", "y", 4, c("x1", "x2"), "stratum", "cluster",
    adjustment = "lin", se_type = "CR2")
add("four_lin_CR2", "trial_four.csv", "y", 4, c("x1", "x2"), cluster = "cluster",
    adjustment = "lin", se_type = "CR2")
add("four_missing_CR2", "trial_four.csv", "y_miss", 4, c("x1", "x2"), "stratum", "cluster",
    se_type = "CR2")
add("four_missing_HC2", "trial_four.csv", "y_miss", 4, c("x1", "x2"), "stratum")
add("four_binary_CR1", "trial_four.csv", "y_bin", 4, character(0), "stratum", "cluster",
    se_type = "CR1")
add("four_arm_absent_HC2", "trial_four.csv", "y", 4, c("x1", "x2"), "stratum",
    subset = list(column = "arm", not_equal = 2))
add("four_arm_absent_CR2", "trial_four.csv", "y", 4, c("x1"), "stratum", "cluster",
    se_type = "CR2", subset = list(column = "arm", not_equal = 2))
add("few_lin_CR2", "trial_few.csv", "y", 2, c("x1"), cluster = "cluster", adjustment = "lin",
    se_type = "CR2")
add("few_binary_CR2", "trial_few.csv", "y_bin", 2, c("x1"), cluster = "cluster", se_type = "CR2")

r_se <- function(se) if (se == "CR1") "stata" else se

run <- function(cs) {
  d <- read.csv(file.path("data", cs$data))
  if (!is.null(cs$subset)) {
    v <- d[[cs$subset$column]]
    d <- if (!is.null(cs$subset$equals)) d[v == cs$subset$equals, ] else d[v != cs$subset$not_equal, ]
  }
  d <- d[!is.na(d[[cs$y]]), ]
  m <- cs$n_arms - 1
  d$arm_f <- factor(d$arm, levels = 0:m)
  cl <- if (is.null(cs$cluster)) NULL else d[[cs$cluster]]
  covs <- cs$covariates
  for (v in covs) d[[paste0(v, "_c")]] <- d[[v]] - mean(d[[v]])
  covc <- if (length(covs)) paste0(covs, "_c") else character(0)
  if (cs$adjustment == "lin" && is.null(cs$strata) && all(apply(d[covs], 2, sd) > 0)) {
    # estimatr's own Lin estimator (centres the covariates itself)
    f <- as.formula(paste(cs$y, "~ arm_f"))
    cf <- as.formula(paste("~", paste(covs, collapse = " + ")))
    fit <- lm_lin(f, covariates = cf, data = d, clusters = cl, se_type = r_se(cs$se_type))
    terms <- paste0("arm_f", 1:m)
  } else {
    # explicit arm indicators (and, for Lin, interactions with centred covariates)
    for (j in 1:m) d[[paste0("t", j)]] <- as.numeric(d$arm == j)
    rhs <- paste0("t", 1:m)
    if (!is.null(cs$strata)) rhs <- c(rhs, paste0("factor(", cs$strata, ")"))
    rhs <- c(rhs, covc)
    if (cs$adjustment == "lin") {
      for (j in 1:m) for (v in covc) rhs <- c(rhs, paste0("t", j, ":", v))
    }
    f <- as.formula(paste(cs$y, "~", paste(rhs, collapse = " + ")))
    fit <- lm_robust(f, data = d, clusters = cl, se_type = r_se(cs$se_type))
    terms <- paste0("t", 1:m)
  }
  td <- tidy(fit)
  row <- match(terms, td$term)
  pick <- function(col) unname(td[[col]][row])
  list(
    spec = cs,
    n = nrow(d),
    estimate = pick("estimate"), std_error = pick("std.error"), statistic = pick("statistic"),
    p_value = pick("p.value"), ci_low = pick("conf.low"), ci_high = pick("conf.high"),
    df = pick("df"),
    r_call = paste(deparse(fit$call), collapse = " ")
  )
}

out <- list(
  generated_by = "02_itt.R",
  estimatr_version = as.character(packageVersion("estimatr")),
  r_version = R.version.string,
  cases = lapply(cases, run)
)
write_json(out, "itt.json", auto_unbox = TRUE, digits = NA, na = "null", null = "null",
           pretty = TRUE)
