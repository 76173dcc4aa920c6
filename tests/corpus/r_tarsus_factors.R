require(lme4)
lmm<-lmer(Tarsus~Leg+Handedness+(1|StudentID),data=a)
summary(lmm)
