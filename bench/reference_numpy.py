#!/usr/bin/env python3
"""An independent numpy implementation of the same training protocol, to cross-check the
engine's quality numbers (it shares no code and no random numbers with srns).

It follows the official SRNS real-data pipeline with a dense score history: GMF, BPR + L2 per
occurrence, TF1-style dense Adam, batches of 1000 (partial last batch dropped), uniform
negatives or SRNS (pools of V=3000 per user shifting every epoch with W=5 epochs of recorded
scores, S1=8 memory, S2=64 distinct fresh slots per refresh, Gumbel-top-k at tau=10, eq. 4
with alpha=5 increasing over T0=50 epochs), sampled evaluation with pessimistic ties, early
stopping on validation Recall@1 with patience 100, test metrics of the best model.

  python3 bench/reference_numpy.py SPLIT_DIR srns|uniform SEED [MAX_EPOCHS]

Prints one line per epoch (epoch, loss summed over trained pairs / all pairs as the official
code reports it, val Recall@1, best epoch) and a final JSON line. Needs numpy (pip install numpy).
"""
import numpy as np, sys, json
d=sys.argv[1]; sampler=sys.argv[2]; seed=int(sys.argv[3]); max_ep=int(sys.argv[4]) if len(sys.argv)>4 else 300
rng=np.random.default_rng(seed)
tr=np.loadtxt(d+'/train.tsv',dtype=np.int64)
def ld(n): a=np.loadtxt(d+'/'+n,dtype=np.int64); return a
va=ld('val.tsv'); te=ld('test.tsv'); vn=ld('val_neg.tsv')[:,1:]; tn=ld('test_neg.tsv')[:,1:]
U=int(max(tr[:,0].max(),va[:,0].max(),te[:,0].max())+1); I=sum(1 for _ in open(d+'/item_map.tsv'))
F=32; S1=8; S2=64; tau=10.; alpha=5.; T0=50; V=3000; W=5; B=1000; lr=1e-3; reg=0.01
def tn_(shape):
    x=rng.normal(0,1,shape)
    while True:
        bad=np.abs(x)>2
        if not bad.any(): break
        x[bad]=rng.normal(0,1,bad.sum())
    return (x*0.01).astype(np.float32)
P=tn_((U,F)); Q=tn_((I,F)); lim=np.sqrt(6/(F+1)); b=rng.uniform(-lim,lim,F).astype(np.float32)
trainmat=np.zeros((U,I),bool); trainmat[tr[:,0],tr[:,1]]=True
# CSR index of each train pair (for nothing but symmetry); train pairs
def new_pool():
    p=rng.integers(0,I,(U,V))
    bad=trainmat[np.arange(U)[:,None],p]
    while bad.any():
        p[bad]=rng.integers(0,I,bad.sum()); bad=trainmat[np.arange(U)[:,None],p]
    return p
pools=[new_pool() for _ in range(W+1)]  # pools[0]=current
M=np.stack([rng.choice(V,S1,replace=False) for _ in range(U)])
def scores_all(): return (P*b)@Q.T
hist=[scores_all()]  # list of records (most recent last), each UxI
m=[np.zeros_like(x) for x in (P,Q,b)]; v=[np.zeros_like(x) for x in (P,Q,b)]; step=0
def evaluate(rows,negs):
    pb=P[rows[:,0]]*b; st=(pb*Q[rows[:,1]]).sum(1); sn=np.einsum('rf,rnf->rn',pb,Q[negs])
    rank=(sn>st[:,None]).sum(1)+(sn==st[:,None]).sum(1)
    out={}
    for k in (1,3):
        hit=rank<k; out['recall@%d'%k]=hit.mean(); out['ndcg@%d'%k]=np.where(hit,1/np.log2(rank+2),0).mean()
    return out
best=evaluate(va,vn)['recall@1']; best_ep=0; best_params=(P.copy(),Q.copy(),b.copy())
for t in range(max_ep):
    perm=rng.permutation(len(tr)); n_rec=1 if t==0 else min(t,W)
    H=np.stack(hist[-n_rec:])  # n_rec x U x I
    alpha_t=alpha*min(t/T0,1.0); cur=pools[0]; L=0.0
    for bi in range(len(tr)//B):
        idx=perm[bi*B:(bi+1)*B]; u=tr[idx,0]; i=tr[idx,1]
        pb=P[u]*b; r_pos=(pb*Q[i]).sum(1)
        if sampler=='uniform':
            j=rng.integers(0,I,len(u)); bad=trainmat[u,j]
            while bad.any(): j[bad]=rng.integers(0,I,bad.sum()); bad=trainmat[u,j]
        else:
            mem=M[u]; items=cur[u[:,None],mem]
            r=np.einsum('bf,bkf->bk',pb,Q[items])
            hp=H[:,u,i]  # n_rec x B
            hc=H[:,u[:,None],items]  # n_rec x B x S1
            x=1/(1+np.exp(hp[:,:,None]-hc)); sd=x.std(0)
            val=1/(1+np.exp(r_pos[:,None]-r))+alpha_t*sd
            j=items[np.arange(len(u)),val.argmax(1)]
            # refresh, once per user (first occurrence)
            _,first=np.unique(u,return_index=True)
            for k in first:
                uu=u[k]; old=M[uu]; ext=[]
                s=set(old.tolist())
                while len(ext)<S2:
                    c=int(rng.integers(0,V))
                    if c not in s: s.add(c); ext.append(c)
                cand=np.concatenate([old,np.array(ext)])
                sc=(pb[k]*Q[cur[uu,cand]]).sum(1)
                g=-np.log(-np.log(rng.uniform(1e-12,1,len(cand))))
                M[uu]=cand[np.argsort(-(sc/tau+g))[:S1]]
        r_neg=(pb*Q[j]).sum(1); xx=r_neg-r_pos; sg=1/(1+np.exp(-xx))
        L+=np.sum(np.logaddexp(0,xx))
        dpos=-sg; dneg=sg; w=dpos[:,None]*Q[i]+dneg[:,None]*Q[j]
        gP=np.zeros_like(P); gQ=np.zeros_like(Q)
        np.add.at(gP,u,b*w+reg*P[u]); np.add.at(gQ,i,dpos[:,None]*pb+reg*Q[i]); np.add.at(gQ,j,dneg[:,None]*pb+reg*Q[j])
        gb=(P[u]*w).sum(0)
        step+=1; lrt=lr*np.sqrt(1-.999**step)/(1-.9**step)
        for x_,m_,v_,g_ in zip((P,Q,b),m,v,(gP,gQ,gb)):
            m_*=.9; m_+=.1*g_; v_*=.999; v_+=.001*g_*g_; x_-=lrt*m_/(np.sqrt(v_)+1e-8)
    if sampler!='uniform':
        hist.append(scores_all()); hist=hist[-W:]
        pools=pools[1:]+[new_pool()]
    ev=evaluate(va,vn)
    if ev['recall@1']>best: best=ev['recall@1']; best_ep=t+1; best_params=(P.copy(),Q.copy(),b.copy())
    print(t+1, round(L/len(tr),4), round(ev['recall@1'],4), best_ep, flush=True)
    if t+1-best_ep>=100: break
P,Q,b=best_params
print(json.dumps({'sampler':sampler,'seed':seed,'best_epoch':best_ep,'test':evaluate(te,tn)}), flush=True)
