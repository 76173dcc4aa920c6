# The R-package data sets of the lme4 default fits, as fitted (lme4::sleepstudy, lme4::Dyestuff,
# mlmRev::Hsb82, mlmRev::bdf with the lecture's variables). They are not committed (the project commits only
# data it generated): tests build them at test time with
#   Rscript --vanilla data_lme4_default.R OUTDIR
# which writes OUTDIR/{sleepstudy,dyestuff,hsb82,bdf}.csv (tests/rtools.py: lme4_default_csv, cached;
# data_sha256.txt holds the checksums of the files the fits used). make_lme4_default.R sources this file
# for the same data frames. The simulated data sets are drawn in make_lme4_default.R and committed.
lme4_default_data <- function() {
  suppressMessages({library(lme4); library(mlmRev)})
  s <- sleepstudy; s$Subject <- as.integer(as.character(s$Subject))
  dy <- Dyestuff; dy$Batch <- as.integer(dy$Batch)
  h <- data.frame(school = as.integer(as.character(Hsb82$school)), mAch = Hsb82$mAch, meanses = Hsb82$meanses,
                  sector = as.numeric(Hsb82$sector == "Catholic"), cses = Hsb82$cses)
  h$meanses_cses <- h$meanses * h$cses; h$sector_cses <- h$sector * h$cses
  b <- data.frame(schoolID = as.integer(as.character(bdf$schoolNR)), langpost = bdf$langPOST,
                  verbal = bdf$IQ.verb, homework = bdf$homework, mixgrd = as.numeric(as.character(bdf$mixedgra)))
  b$hw2 <- b$homework - 2
  b$CMverb10 <- ave(b$verbal, b$schoolID) - 10
  b$WCverb <- b$verbal - ave(b$verbal, b$schoolID)
  b$verb10 <- b$verbal - 10
  b$mixgrd_WCverb <- b$mixgrd * b$WCverb
  list(sleepstudy = s, dyestuff = dy, hsb82 = h, bdf = b)
}
args <- commandArgs(trailingOnly = TRUE)
if (length(args) == 1) {                      # run as a script (not sourced by make_lme4_default.R)
  data <- lme4_default_data()
  for (key in names(data)) write.csv(data[[key]], file.path(args[1], paste0(key, ".csv")), row.names = FALSE)
}
