source("data_prep.R")
name = lme4::lmer(data=Example, REML=TRUE, formula=langpost~1+hw2+mixgrd+CMverb10+WCverb+(1+WCverb|schoolID))
print(summary(name))
