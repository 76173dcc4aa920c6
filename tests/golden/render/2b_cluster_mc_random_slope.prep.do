* (2b) Random L1 cluster-MC within slope
* Data preparation: derived variables (means over non-missing values)
* Temporary variables (_mlm<tag>_m<n>) carry a tag computed from this model, so they cannot clash with a column of your data; they are dropped at the end
capture drop hw2
capture drop CMverb10
capture drop WCverb
capture drop _mlm0ee4_m1
egen double _mlm0ee4_m1 = mean(verbal), by(schoolID)
generate double hw2 = homework - 2
generate double CMverb10 = _mlm0ee4_m1 - 10
generate double WCverb = verbal - _mlm0ee4_m1
drop _mlm0ee4_m1
mixed langpost c.hw2 c.mixgrd c.CMverb10 c.WCverb, || schoolID: WCverb, ///
  covariance(un) reml dfmethod(satterthwaite) dftable(pvalue) nolog
estat recovariance, relevel(schoolID) correlation // Random effect correlations
lincom c.CMverb10*1 + c.WCverb*-1, small // L2 Contextual Effect of Verbal
