* (4a) Hybrid model with fixed main effects only
mixed langpost c.mixgrd c.CMverb10 c.verb10, || schoolID: WCverb, ///
  covariance(un) reml dfmethod(satterthwaite) dftable(pvalue) nolog
estat recovariance, relevel(schoolID) correlation // Random effect correlations
