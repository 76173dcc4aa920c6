# Real R 4.2 format(x, digits = d) and format.pval(p, digits = 3) of random vectors, for mlmgen/report/rfmt.py.
# Run: Rscript --vanilla make_format_cases.R (in this directory). One line per case:
# digits;x (17 digits, comma-separated);format(x, digits) joined by |;p;format.pval(p, digits = 3) joined by |
set.seed(1)
out <- c()
for (i in 1:1500) {
  k <- sample(1:5, 1)
  e <- sample(-8:5, k, replace = TRUE)
  x <- signif(runif(k, 1, 10) * 10^e * sample(c(-1, 1), k, replace = TRUE), sample(2:9, 1))
  if (runif(1) < 0.1) x[1] <- 9.99996 * 10^sample(-3:3, 1)
  d <- sample(3:7, 1)
  p <- signif(10^runif(k, -20, 0), 6)
  out <- c(out, paste(d, paste(sprintf("%.17g", x), collapse = ","), paste(format(x, digits = d), collapse = "|"),
                      paste(sprintf("%.17g", p), collapse = ","), paste(format.pval(p, digits = 3), collapse = "|"), sep = ";"))
}
writeLines(out, "format_cases.txt")
