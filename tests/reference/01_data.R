# Writes the small test data sets under data/ that both R and Python read.
# Deterministic (set.seed per data set). Run from tests/reference/: Rscript 01_data.R
set.seed(20171001)

block_assign <- function(strata, n_arms) {
  # complete randomisation within each stratum, arm sizes as equal as possible
  arm <- integer(length(strata))
  for (s in unique(strata)) {
    idx <- which(strata == s)
    arm[idx] <- sample(rep_len(0:(n_arms - 1), length(idx)))
  }
  arm
}

write_data <- function(d, name) {
  write.csv(d, file.path("data", name), row.names = FALSE, na = "")
}

dir.create("data", showWarnings = FALSE)

# Two arms, four strata, two sites; covariates, a baseline survey score,
# a binary outcome and outcomes with missing values.
n <- 160
two <- data.frame(id = seq_len(n))
two$site <- rep(c(0L, 1L), each = n / 2)
two$stratum <- two$site * 2L + rep(rep(0:1, each = n / 4), 2)
two$arm <- block_assign(two$stratum, 2)
two$x1 <- round(rnorm(n, 40, 10), 1)
two$x2 <- rbinom(n, 1, 0.45)
two$x3 <- ifelse(two$site == 0L, 1, round(runif(n, 0, 24)))  # constant in site 0
two$wb0 <- round(pmin(5, pmax(1, rnorm(n, 3, 0.8))), 2)
two$y <- round(1000 + 80 * two$arm + 12 * (two$x1 - 40) - 150 * two$x2 +
  60 * two$stratum + rnorm(n, 0, 300) * (1 + 0.6 * two$arm), 2)
two$y_bin <- rbinom(n, 1, plogis(-0.6 + 0.4 * two$arm + 0.03 * (two$x1 - 40)))
two$y_miss <- ifelse(runif(n) < 0.12 + 0.08 * two$arm, NA, two$y)
wb2 <- round(pmin(5, pmax(1, 0.6 * two$wb0 + 1.2 + 0.15 * two$arm + rnorm(n, 0, 0.6))), 2)
two$wb2 <- ifelse(runif(n) < 0.3 - 0.1 * two$arm, NA, wb2)
two$y_bin_miss <- ifelse(runif(n) < 0.25 - 0.1 * two$arm, NA, two$y_bin)
write_data(two, "trial_two.csv")

# Four arms, six strata, 48 clusters of 8 nested in strata (whole clusters
# randomised within strata), covariates, missing outcomes.
G <- 48
cl <- data.frame(cluster = seq_len(G) - 1L, stratum = rep(0:5, each = G / 6))
cl$arm <- block_assign(cl$stratum, 4)
cl$u <- rnorm(G, 0, 120)
four <- cl[rep(seq_len(G), each = 8), c("cluster", "stratum", "arm", "u")]
four$id <- seq_len(nrow(four))
nf <- nrow(four)
four$x1 <- round(rnorm(nf, 0, 1), 3)
four$x2 <- rbinom(nf, 1, 0.5)
four$y <- round(500 + c(0, 40, -25, 70)[four$arm + 1] + 50 * four$x1 + 30 * four$x2 +
  20 * four$stratum + four$u + rnorm(nf, 0, 150), 2)
four$y_bin <- rbinom(nf, 1, plogis(-0.3 + c(0, 0.3, 0.1, 0.5)[four$arm + 1]))
four$y_miss <- ifelse(runif(nf) < c(0.10, 0.15, 0.25, 0.12)[four$arm + 1], NA, four$y)
four$u <- NULL
write_data(four[, c("id", "cluster", "stratum", "arm", "x1", "x2", "y", "y_bin", "y_miss")],
           "trial_four.csv")

# Few clusters: eight clusters of unequal size, four per arm, no strata.
sizes <- c(14, 22, 9, 30, 17, 25, 11, 20)
few <- data.frame(cluster = rep(0:7, times = sizes))
few$arm <- rep(c(0L, 1L, 0L, 1L, 1L, 0L, 1L, 0L), times = sizes)
nw <- nrow(few)
few$x1 <- round(rnorm(nw, 10, 3), 2)
few$y <- round(20 + 2.5 * few$arm + 0.8 * few$x1 + rnorm(8, 0, 2)[few$cluster + 1] +
  rnorm(nw, 0, 3), 3)
few$y_bin <- rbinom(nw, 1, 0.4 + 0.15 * few$arm)
write_data(few, "trial_few.csv")
