display as result "Eq 2.6: Adding Grip (0=9)"
mixed cognition c.age85 c.grip9, ///
                  || personid: , noconstant variance reml covariance(unstructured),
      estat ic, n(550),
      * Model R2 Test
      test (c.age85=0) (c.grip9=0)
