# Lin adjustment with a covariate that is constant within one arm: estimatr::lm_lin drops
# only the collinear interaction (arm x that covariate) and keeps the covariate (and its
# interactions with the other arms). Data: trial_four.csv (four arms, strata) with x3 = x2
# set to 1 for everyone in arm 2, and trial_two.csv with x4 = x2 set to 0 in arm 1.
# Run from tests/reference: Rscript 08_lin_collinear.R  (writes lin_collinear.json)
suppressPackageStartupMessages({ library(estimatr); library(jsonlite) })
four <- read.csv(file.path("data", "trial_four.csv"))
two <- read.csv(file.path("data", "trial_two.csv"))
four$x3 <- ifelse(four$arm == 2, 1, four$x2)
two$x4 <- ifelse(two$arm == 1, 0, two$x2)
cases <- list()
add <- function(name, data, file, covs, strata, se_type, cluster = NULL) {
  data$arm_f <- factor(data$arm)
  f_cov <- as.formula(paste("~", paste(covs, collapse = " + ")))
  args <- list(formula = y ~ arm_f, covariates = f_cov, data = data, se_type = se_type)
  if (!is.null(strata)) args$fixed_effects <- NULL
  fit <- if (is.null(strata)) do.call(lm_lin, args) else {
    data$block <- factor(data[[strata]])
    f_cov <- as.formula(paste("~", paste(c(covs, "block"), collapse = " + ")))
    lm_lin(y ~ arm_f, covariates = f_cov, data = data, se_type = se_type)
  }
  co <- coef(fit)
  arms <- grep("^arm_f[0-9]+$", names(co), value = TRUE)
  cases[[length(cases) + 1]] <<- list(
    name = name, data = file, covariates = covs, strata = strata, se_type = se_type,
    estimate = unname(co[arms]), std_error = unname(fit$std.error[arms]),
    df = unname(fit$df[arms]), p_value = unname(fit$p.value[arms]),
    dropped = names(co)[is.na(co)])
}
add("four_x3_constant_in_arm2", four, "trial_four.csv", c("x1", "x3"), NULL, "HC2")
add("two_x4_constant_in_arm1", two, "trial_two.csv", c("x1", "x4"), NULL, "HC2")
add("two_x4_constant_in_arm1_HC1", two, "trial_two.csv", c("x1", "x4", "wb0"), NULL, "HC1")
writeLines(toJSON(list(estimatr = as.character(packageVersion("estimatr")), cases = cases),
                  digits = NA, auto_unbox = TRUE, pretty = TRUE), "lin_collinear.json")
