library(lmerTest) # lmer() with Satterthwaite and Kenward-Roger df, contest1D()
# Data import
mydata = read.csv("bdf.csv")
# Categorical predictors: levels, reference level (and coding) stated explicitly
mydata$sex = factor(mydata$sex, levels = c("0", "1"))
mydata$sex = relevel(mydata$sex, ref = "1")
mydata$Minority = factor(mydata$Minority, levels = c("N", "Y"))
mydata$Minority = relevel(mydata$Minority, ref = "Y")
mydata$denomina = factor(mydata$denomina, levels = c("1", "2", "3", "4"))
mydata$denomina = relevel(mydata$denomina, ref = "4")
model = lmer(data=mydata, REML=TRUE,
  formula=langPOST~1+IQ.verb+sex+Minority+denomina+(1|schoolNR))
summary(model, ddf="Satterthwaite")
anova(model, type = 3, ddf = "Satterthwaite") # Type III tests of fixed effects
emmeans::emmeans(model, pairwise ~ denomina, lmer.df = "satterthwaite", adjust = "none", cov.keep = character(0), lmerTest.limit = Inf) # LS-means and pairwise differences
emmeans::emmeans(model, pairwise ~ Minority, lmer.df = "satterthwaite", adjust = "none", cov.keep = character(0), lmerTest.limit = Inf) # LS-means and pairwise differences
