# High School and Beyond (mlmRev::Hsb82: 7,185 students in 160 schools), the Raudenbush & Bryk
# intercepts-and-slopes-as-outcomes model: cses = ses centred at the school mean, meanses = school
# mean ses, sector = 0 public / 1 Catholic.
suppressMessages(library(mlmRev))
suppressMessages(library(lmerTest))
d <- Hsb82
d$sector <- as.numeric(d$sector == "Catholic")
m <- lmer(mAch ~ 1 + meanses + sector + cses + meanses:cses + sector:cses + (1 + cses | school),
          data = d, REML = TRUE)
summary(m, ddf = "Satterthwaite")
