# Reference values for trustexp.stats.holm, benjamini_hochberg (R's p.adjust) and
# romano_wolf (an implementation written here, applied to t draws simulated here
# and written to data/rw_*.csv for Python to read). Writes multiple.json.
# Run from tests/reference/: Rscript 05_multiple.R
suppressPackageStartupMessages(library(jsonlite))

pvectors <- list(
  plain = c(0.01, 0.04, 0.03, 0.20, 0.04),
  with_na = c(0.5, NA, 0.001, 0.02, NA, 0.049),
  ties = c(0.02, 0.02, 0.02, 0.5),
  single = c(0.3),
  large = c(0.9, 0.95, 0.6, 0.7, 0.001),
  many = c(0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
           0.4262, 0.5719, 0.6528, 0.7590, 1.000)
)
padjust <- lapply(names(pvectors), function(k) list(
  name = k, p = pvectors[[k]],
  holm = p.adjust(pvectors[[k]], "holm"), bh = p.adjust(pvectors[[k]], "BH")))

# Romano-Wolf step-down with max |t| over the hypotheses not yet rejected,
# (1 + #exceedances) / (B + 1), then monotone; ties within 1e-9 relative count.
romano_wolf <- function(tobs, tdraws) {
  a <- abs(tobs)
  ord <- order(a, decreasing = TRUE)
  m <- length(a)
  B <- nrow(tdraws)
  raw <- numeric(m)
  for (k in seq_len(m)) {
    rest <- ord[k:m]
    maxd <- apply(abs(tdraws[, rest, drop = FALSE]), 1, max)
    raw[k] <- (1 + sum(maxd >= a[ord[k]] * (1 - 1e-9))) / (B + 1)
  }
  out <- numeric(m)
  out[ord] <- cummax(raw)
  out
}

set.seed(42)
m <- 6
B <- 999
Sigma <- matrix(0.5, m, m)
Sigma[1:3, 1:3] <- 0.8
diag(Sigma) <- 1
draws <- matrix(rnorm(B * m), B, m) %*% chol(Sigma)
colnames(draws) <- paste0("t", 1:m)
write.csv(round(draws, 6), file.path("data", "rw_draws.csv"), row.names = FALSE)
draws <- as.matrix(read.csv(file.path("data", "rw_draws.csv")))  # the rounded values

cases <- list(
  list(name = "mixed", t_observed = c(3.1, -2.4, 0.3, 2.0, -1.1, 2.45)),
  list(name = "ties", t_observed = c(2.2, -2.2, 1.0, 1.0, -0.5, 2.6)),
  list(name = "all_large", t_observed = c(5, 6, -7, 8, 9, -10)),
  list(name = "all_small", t_observed = c(0.1, -0.2, 0.05, 0, 0.3, -0.01)),
  list(name = "draw_ties", t_observed = as.numeric(draws[7, ]))
)
cases <- lapply(cases, function(cs) c(cs, list(adjusted = romano_wolf(cs$t_observed, draws))))

write_json(list(generated_by = "05_multiple.R", p_adjust = padjust,
                romano_wolf = list(draws_file = "rw_draws.csv", cases = cases)),
           "multiple.json", auto_unbox = FALSE, digits = NA, na = "null", pretty = TRUE)
