* (2b) Random L1 cluster-MC within slope
mixed langpost c.hw2 c.mixgrd c.CMverb10 c.WCverb, || schoolID: WCverb, ///
  covariance(un) reml dfmethod(satterthwaite) dftable(pvalue) nolog
estat recovariance, relevel(schoolID) correlation // Random effect correlations
lincom c.CMverb10*1 + c.WCverb*-1, small // L2 Contextual Effect of Verbal
