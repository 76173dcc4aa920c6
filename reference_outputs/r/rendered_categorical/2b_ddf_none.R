# (2b) Random L1 cluster-MC within slope
library(lmerTest) # lmer() with Satterthwaite and Kenward-Roger df, contest1D()
# Data import
Example = read.csv("lecture_categorical.csv")
# Data preparation: derived variables (means over non-missing values)
Example$hw2 = Example$homework - 2
Example$CMverb10 = ave(Example$verbal, Example$schoolID, FUN=function(v) mean(v, na.rm=TRUE)) - 10
Example$WCverb = Example$verbal - ave(Example$verbal, Example$schoolID, FUN=function(v) mean(v, na.rm=TRUE))
# Categorical predictors: levels, reference level (and coding) stated explicitly
Example$sex = factor(Example$sex, levels = c("M", "F"))
Example$sex = relevel(Example$sex, ref = "F")
Example$denomina = factor(Example$denomina, levels = c("1", "2", "3", "4"))
Example$denomina = relevel(Example$denomina, ref = "3")
# mlmgen: ddf = None (large-sample z tests): lmerTest has no such option; ddf="lme4" prints t values without df or p-values (read them as z).
# mlmgen: contest1D offers only Satterthwaite or Kenward-Roger df: each contrast below is a z test computed from fixef() and vcov() (Pr(>|z|) from the normal distribution).
# mlmgen: contestMD offers only Satterthwaite or Kenward-Roger df: each joint test below is a Wald chi-square test computed from fixef() and vcov().
# mlmgen: no Type III table: lmerTest's anova(type = 3) has only Satterthwaite and Kenward-Roger F tests (its ddf = "lme4" prints lme4's sequential Type I table, a different test), and R prints no Type III Wald chi-square test for lmer fits.
name = lmer(data=Example, REML=TRUE,
  formula=langpost~1+hw2+mixgrd+CMverb10+WCverb+sex+denomina+sex:WCverb
    +(1+WCverb|schoolID))
summary(name, ddf="lme4") # Shows random effect correlations already
local({L = c(0,0,0,1,-1,0,0,0,0,0); est = sum(L * fixef(name)); se = sqrt(drop(L %*% as.matrix(vcov(name)) %*% L)); z = est / se; print(data.frame(Estimate = est, "Std. Error" = se, "z value" = z, "Pr(>|z|)" = 2 * pnorm(-abs(z)), check.names = FALSE))}) # L2 Contextual Effect of Verbal
local({L = rbind(c(0,0,0,1,0,0,0,0,0,0), c(0,0.5,0,0,1,0,0,0,0,0)); b = drop(L %*% fixef(name)); W = drop(b %*% solve(L %*% as.matrix(vcov(name)) %*% t(L), b)); print(data.frame(Chisq = W, Df = nrow(L), "Pr(>Chisq)" = pchisq(W, nrow(L), lower.tail = FALSE), check.names = FALSE))}) # Joint: CMverb10 and WCverb + hw2/2
emmeans::emmeans(name, pairwise ~ denomina, lmer.df = "asymptotic", adjust = "none", cov.keep = character(0)) # LS-means and pairwise differences
emmeans::emmeans(name, pairwise ~ sex, lmer.df = "asymptotic", adjust = "none", cov.keep = character(0)) # LS-means and pairwise differences
