# Reference values for method = "htz" of trustexp.stats.joint_test and
# differential_attrition: clubSandwich::Wald_test(lm fit, constrain_zero(tested),
# vcov = "CR2", test = "HTZ"); without clusters each row is its own cluster (CR2 = HC2).
# Run from tests/reference: Rscript 09_htz.R  (writes htz.json)
suppressPackageStartupMessages({ library(clubSandwich); library(jsonlite) })
two <- read.csv(file.path("data", "trial_two.csv"))
four <- read.csv(file.path("data", "trial_four.csv"))
few <- read.csv(file.path("data", "trial_few.csv"))
cases <- list()
add <- function(name, kind, data, file, formula, tested, cluster, spec) {
  fit <- lm(formula, data = data)
  cl <- if (is.null(cluster)) seq_len(nrow(data)) else data[[cluster]]
  tested <- tested[!is.na(coef(fit))[tested]]
  w <- Wald_test(fit, constraints = constrain_zero(tested), vcov = "CR2", cluster = cl,
                 test = "HTZ")
  cases[[length(cases) + 1]] <<- c(list(name = name, kind = kind, data = file), spec,
    list(statistic = w$Fstat, df1 = w$df_num, df2 = w$df_denom, p_value = w$p_val,
         n = nobs(fit)))
}
two$d <- as.numeric(two$arm == 1)
add("balance_two_HC2", "balance", two, "trial_two.csv", d ~ x1 + x2 + wb0,
    c("x1", "x2", "wb0"), NULL, list(covariates = c("x1", "x2", "wb0"), strata = NULL,
    cluster = NULL, arms = c(0, 1)))
add("balance_two_strata_HC2", "balance", two, "trial_two.csv",
    d ~ x1 + x2 + wb0 + factor(stratum), c("x1", "x2", "wb0"), NULL,
    list(covariates = c("x1", "x2", "wb0"), strata = "stratum", cluster = NULL, arms = c(0, 1)))
f1 <- four[four$arm %in% c(0, 1), ]
f1$d <- as.numeric(f1$arm == 1)
add("balance_four_arm1_CR2", "balance", f1, "trial_four.csv", d ~ x1 + x2 + factor(stratum),
    c("x1", "x2"), "cluster", list(covariates = c("x1", "x2"), strata = "stratum",
    cluster = "cluster", arms = c(0, 1)))
few$d <- as.numeric(few$arm == 1)
add("balance_few_CR2", "balance", few, "trial_few.csv", d ~ x1 + y, c("x1", "y"), "cluster",
    list(covariates = c("x1", "y"), strata = NULL, cluster = "cluster", arms = c(0, 1)))
four$responded <- as.numeric(!is.na(four$y_miss))
four$arm_f <- factor(four$arm)
add("attrition_four_CR2", "attrition", four, "trial_four.csv",
    responded ~ arm_f + factor(stratum), c("arm_f1", "arm_f2", "arm_f3"), "cluster",
    list(y = "y_miss", n_arms = 4, strata = "stratum", cluster = "cluster"))
add("attrition_four_HC2", "attrition", four, "trial_four.csv", responded ~ arm_f,
    c("arm_f1", "arm_f2", "arm_f3"), NULL,
    list(y = "y_miss", n_arms = 4, strata = NULL, cluster = NULL))
writeLines(toJSON(list(clubSandwich = as.character(packageVersion("clubSandwich")),
                       cases = cases), digits = NA, auto_unbox = TRUE, pretty = TRUE,
                  null = "null"), "htz.json")
