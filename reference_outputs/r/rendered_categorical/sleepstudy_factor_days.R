library(lmerTest) # lmer() with Satterthwaite and Kenward-Roger df, contest1D()
# Data import
mydata = read.csv("sleepstudy.csv")
# Categorical predictors: levels, reference level (and coding) stated explicitly
mydata$Days = factor(mydata$Days, levels = c("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"))
model = lmer(data=mydata, REML=TRUE,
  formula=Reaction~1+Days+(1|Subject))
summary(model, ddf="Kenward-Roger")
anova(model, type = 3, ddf = "Kenward-Roger") # Type III tests of fixed effects
emmeans::emmeans(model, pairwise ~ Days, lmer.df = "kenward-roger", adjust = "none", cov.keep = character(0), pbkrtest.limit = Inf) # LS-means and pairwise differences
