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
name = lmer(data=Example, REML=TRUE,
  formula=langpost~1+hw2+mixgrd+CMverb10+WCverb+sex+denomina+sex:WCverb
    +(1+WCverb|schoolID))
summary(name, ddf="Satterthwaite") # Shows random effect correlations already
contest1D(name, ddf="Satterthwaite", L=c(0,0,0,1,-1,0,0,0,0,0)) # L2 Contextual Effect of Verbal
anova(name, type = 3, ddf = "Satterthwaite") # Type III tests of fixed effects
emmeans::emmeans(name, pairwise ~ denomina, lmer.df = "satterthwaite", adjust = "none", cov.keep = character(0), lmerTest.limit = Inf) # LS-means and pairwise differences
emmeans::emmeans(name, pairwise ~ sex, lmer.df = "satterthwaite", adjust = "none", cov.keep = character(0), lmerTest.limit = Inf) # LS-means and pairwise differences
