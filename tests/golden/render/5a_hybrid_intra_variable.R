# (5a) Hybrid with unsmushed intra-variable interaction
library(lmerTest) # lmer() with Satterthwaite and Kenward-Roger df, contest1D()
name = lmer(data=Example, REML=TRUE,
  formula=langpost~1+mixgrd+CMverb10+verb10+I(CMverb10^2)+mixgrd:verb10+mixgrd:CMverb10
    +CMverb10:verb10+(1+WCverb|schoolID))
summary(name, ddf="Satterthwaite") # Shows random effect correlations already
