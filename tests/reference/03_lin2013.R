# Exports estimatr's alo_star_men (Angrist, Lang and Oreopoulos 2009; used in
# Lin 2013, Table 2) to data/alo_star_men.csv, and estimatr's estimates on it to
# lin2013.json. Run from tests/reference/: Rscript 03_lin2013.R
suppressPackageStartupMessages({
  library(estimatr)
  library(jsonlite)
})
data("alo_star_men")
write.csv(alo_star_men, file.path("data", "alo_star_men.csv"), row.names = FALSE)

cases <- list()
for (se in c("HC0", "HC1", "HC2", "HC3")) {
  fits <- list(
    unadjusted = lm_robust(GPA_year1 ~ sfsp, data = alo_star_men, se_type = se),
    usual = lm_robust(GPA_year1 ~ sfsp + gpa0, data = alo_star_men, se_type = se),
    interacted = lm_lin(GPA_year1 ~ sfsp, covariates = ~gpa0, data = alo_star_men, se_type = se)
  )
  for (key in names(fits)) {
    td <- tidy(fits[[key]])
    r <- td[td$term == "sfsp", ]
    cases[[length(cases) + 1]] <- list(
      name = paste(key, se, sep = "_"), se_type = se, covariates = key != "unadjusted",
      adjustment = if (key == "interacted") "lin" else "additive",
      estimate = r$estimate, std_error = r$std.error, p_value = r$p.value,
      ci_low = r$conf.low, ci_high = r$conf.high, df = r$df
    )
  }
}
write_json(list(generated_by = "03_lin2013.R",
                estimatr_version = as.character(packageVersion("estimatr")),
                cases = cases),
           "lin2013.json", auto_unbox = TRUE, digits = NA, pretty = TRUE)
