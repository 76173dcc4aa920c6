* (2c) Add 3 cross-level interactions
mixed langpost c.hw2 c.mixgrd c.CMverb10 c.WCverb c.hw2#c.WCverb c.mixgrd#c.WCverb ///
  c.CMverb10#c.WCverb, || schoolID: WCverb, ///
  covariance(un) reml dfmethod(satterthwaite) dftable(pvalue) nolog
estat recovariance, relevel(schoolID) correlation // Random effect correlations
