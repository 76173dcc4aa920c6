# Real lmerTest output with categorical predictors (issue 11: factor rows, Type III, LS-means), produced here.
# Run in this directory: Rscript --vanilla make_categorical.R
suppressMessages({library(lme4); library(lmerTest); library(emmeans); library(mlmRev)})
options(width = 100)

## 1. simulated: two factors (text levels), a continuous covariate, factor x covariate, random slope
set.seed(20261205)
J <- 30; n <- 10
g <- rep(1:J, each = n)
sex <- sample(c("M", "F"), J * n, replace = TRUE)
arm <- sample(c("ctl", "low", "high"), J * n, replace = TRUE)
x <- round(rnorm(J * n), 3)
u0 <- rnorm(J, sd = 1.0)[g]; u1 <- rnorm(J, sd = 0.4)[g]
y <- 10 + 1.2 * (sex == "F") + 0.8 * (arm == "low") + 1.5 * (arm == "high") + (0.6 + u1) * x +
     0.5 * (sex == "F") * x + u0 + rnorm(J * n, sd = 1.5)
sim <- data.frame(g = g, sex = sex, arm = arm, x = x, y = round(y, 4))
write.csv(sim, "simulated_factors.csv", row.names = FALSE)
d <- read.csv("simulated_factors.csv")
sink("simulated_factors.out")
m <- lmer(y ~ sex + arm + x + sex:x + (1 + x | g), data = d)
print(summary(m))
cat("\n")
print(anova(m, type = 3))
cat("\n")
print(anova(m, type = 3, ddf = "Kenward-Roger"))
cat("\n")
em <- emmeans(m, ~ arm, lmer.df = "satterthwaite")
print(em)
cat("\n")
print(pairs(em, adjust = "none"))
sink()

## 2. mlmRev::bdf: sex (0/1), Minority (N/Y), 4-level denomina, IQ.verb; random intercept
b <- bdf[, c("langPOST", "IQ.verb", "sex", "Minority", "denomina", "schoolNR")]
sink("bdf_factors.out")
m2 <- lmer(langPOST ~ IQ.verb + sex + Minority + denomina + (1 | schoolNR), data = b)
print(summary(m2))
cat("\n")
print(anova(m2, type = 3))
cat("\n")
em2 <- emmeans(m2, ~ denomina, lmer.df = "satterthwaite")
print(em2)
cat("\n")
print(pairs(em2, adjust = "none"))
sink()
sink("versions.txt")
cat(R.version.string, "\n")
for (p in c("lme4", "lmerTest", "emmeans", "pbkrtest", "mlmRev")) cat(p, as.character(packageVersion(p)), "\n")
sink()
