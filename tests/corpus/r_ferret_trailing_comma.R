#now adding fixed effects 
modelreg_reduc1 <- lmer(
  falsealarm ~ pitchoftarg+trialNum+pastcorrectresp+pastcatchtrial+(targTimes |ferret),
  data=df, REML = FALSE, )#control = lmerControl(optimizer ="Nelder_Mead")
