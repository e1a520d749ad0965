"""How far the search's latency estimates (sum of the measured layers plus the rest of the model)
are from end-to-end measurements, on the example, for uniform and mixed configurations: with
every layer but the first priced on blocked input (b3dd5f0 to 2160a68), and with each layer
priced in the layout its input arrives in (planar after groups of 4 and PatDNN's patterns, which
write planar; a layer of those kernels after one that writes blocked pays the conversion).

    python3 Benchmarks/experiments/estimate_error.py THREADS WORKDIR    # from the repository root
"""
import json, subprocess, os, statistics, sys
S='scripts/sculpt'; M='examples/mnist/model.onnx'; T=sys.argv[1]; W=sys.argv[2]
os.makedirs(W, exist_ok=True)
cands=[{"family":"dense"}]+[{"family":"grouped","keep":k,"group":16} for k in [6,5,4,3,2]]+[
 {"family":"grouped","keep":5,"group":16,"connectivity":0.25},{"family":"grouped","keep":4,"group":16,"connectivity":0.5}]+[
 {"family":"grouped","keep":k,"group":4} for k in [6,5,4,3]]+[{"family":"grouped","keep":4,"group":4,"connectivity":0.5}]+[
 {"family":"kernel","keep":k} for k in [6,4]]+[{"family":"connectivity","group":16,"connectivity":c} for c in [0.25,0.5,0.75]]
convs=[("/conv1/Conv",1,16,28,1),("/conv2/Conv",16,32,28,2),("/conv3/Conv",32,32,14,1),("/conv4/Conv",32,64,14,2),("/conv5/Conv",64,64,7,1)]
configs={"dense":[0]*6,"G16 4/9 conn.5":[7]*5+[0],"G16 4/9":[3]*5+[0],"G4 4/9":[10]*5+[0],"kernel 4/9":[14]*5+[0],
 "mix A":[10,11,12,12,7,15],"mix B":[7,7,11,11,3,0],"mix C":[14,2,9,12,5,16],"mix D":[1,10,7,10,7,0]}
def spec(i,c,planar):
  n,ci,co,h,s=convs[i]; d={"op":"conv2d","in_channels":ci,"out_channels":co,"height":h,"width":h,"kernel":3,"stride":s,"pattern":cands[c],"threads":int(T)}
  if planar: d["input_layout"]="planar"
  return d
specs=[]
# Candidates whose kernels write planar output (groups of 4, PatDNN); the example is a chain, so
# a layer's input arrives planar when it is the first or the layer before writes planar.
planar_out=set(range(8,15))
def arrivals(ch): return [i==0 or ch[i-1] in planar_out for i in range(5)]
def before(ch): return [i==0 or ch[i] in planar_out for i in range(5)]  # planar kernels measured on planar input: no conversion
for ch in configs.values():
  for i in range(5):
    for planar in {arrivals(ch)[i], before(ch)[i]}: specs.append(spec(i,ch[i],planar))
  specs.append({"op":"linear","in_channels":64,"out_channels":10,"pattern":cands[ch[5]],"threads":int(T)})
uniq=[json.loads(x) for x in dict.fromkeys(json.dumps(s,sort_keys=True) for s in specs)]
json.dump({"specs":uniq},open(W+'/specs.json','w'))
# Layers measured in three rounds (a store each), the median of their medians: one round's
# medians move by 10-25 % on this shared host.
rounds=[]
for r in range(3):
  out=json.loads(subprocess.run([S,'measure',W+'/specs.json','--device','local','--store',W+f'/store{r}.sqlite','--format','json'],capture_output=True,text=True,check=True).stdout)
  rounds.append([x['median_ms'] for x in (out['results'] if 'results' in out else out)])
lat={json.dumps(s,sort_keys=True):statistics.median(m) for s,m in zip(uniq,zip(*rounds))}
def est(ch,layouts):
  t=0
  for i in range(5): t+=lat[json.dumps(spec(i,ch[i],layouts(ch)[i]),sort_keys=True)]
  t+=lat[json.dumps({"op":"linear","in_channels":64,"out_channels":10,"pattern":cands[ch[5]],"threads":int(T)},sort_keys=True)]
  return t
paths={}
for name,ch in configs.items():
  if name=="dense": paths[name]=M; continue
  cfg={"schemaVersion":1,"default":{"family":"dense"},"layers":{convs[i][0]:cands[ch[i]] for i in range(5)}}
  cfg["layers"]["/fc/Gemm"]=cands[ch[5]]
  d=W+'/'+name.replace(' ','_').replace('/','-'); os.makedirs(d,exist_ok=True); json.dump(cfg,open(d+'/in.json','w'))
  subprocess.run([S,'apply',M,'--config',d+'/in.json','--out',d],capture_output=True,check=True); paths[name]=d+'/pruned.sculpt'
meas={n:[] for n in configs}
for r in range(5):
  for n,p in paths.items():
    b=json.loads(subprocess.run([S,'bench',p,'--threads',T,'--format','json'],capture_output=True,text=True,check=True).stdout)
    meas[n].append(b['median_ms'])
med={n:statistics.median(v) for n,v in meas.items()}
rest={f: med['dense']-est(configs['dense'],f) for f in (before,arrivals)}
print(f"threads {T}; rest of model: {rest[before]:.4f} ms")
print("| configuration | measured ms (5 rounds) | estimate, layers on blocked input | error | in the layout that arrives | error |")
print("|---|---:|---:|---:|---:|---:|")
eo=[];en=[]
for n,ch in configs.items():
  o=est(ch,before)+rest[before]; w=est(ch,arrivals)+rest[arrivals]; m=med[n]
  if n!='dense': eo.append(abs(o/m-1)); en.append(abs(w/m-1))
  print(f"| {n} {ch} | {m:.4f} ({min(meas[n]):.4f}–{max(meas[n]):.4f}) | {o:.4f} | {100*(o/m-1):+.1f} % | {w:.4f} | {100*(w/m-1):+.1f} % |")
print(f"mean |error| over the pruned ones: blocked {100*statistics.mean(eo):.1f} %, arriving layout {100*statistics.mean(en):.1f} %")
