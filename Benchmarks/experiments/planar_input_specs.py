"""Kernel specs of 3x3 convolutions on blocked and on planar input (`input_layout`), dense and groups
of 16, at the shapes of the example, ResNet-20 and ResNet-18; writes SPECS.json for `sculpt measure`.

    python3 Benchmarks/experiments/planar_input_specs.py /tmp/var/specs.json
    scripts/sculpt measure /tmp/var/specs.json --device local --store /tmp/var/s.sqlite
"""
import json, sys
shapes=[(16,32,28,2),(32,32,14,1),(32,64,14,2),(64,64,7,1),(16,16,32,1),(32,32,16,1),(64,64,8,1),(16,32,32,2),(64,64,56,1),(128,128,28,1),(256,256,14,1)]
pats=[{"family":"dense"},{"family":"grouped","keep":4,"group":16},{"family":"grouped","keep":2,"group":16},{"family":"grouped","keep":4,"group":16,"connectivity":0.5}]
specs=[]
for ci,co,h,s in shapes:
  for p in pats:
    for lay in ["blocked","planar"]:
      d={"op":"conv2d","in_channels":ci,"out_channels":co,"height":h,"width":h,"kernel":3,"stride":s,"pattern":p,"threads":1}
      if lay=="planar": d["input_layout"]="planar"
      specs.append(d)
json.dump({"specs":specs},open(sys.argv[1],"w"))
print(len(specs))
