// Package gen generates deterministic synthetic CMDBs for benchmarks: a
// layered estate (business units → processes → business services →
// technical services → applications → databases, VMs and containers →
// hosts → network and storage) with redundancy groups, skewed fan-in on a
// few shared hubs and some relationships that do not propagate impact.
//
// The same (size, seed) always gives byte-identical output. Nothing here
// touches a database; package bench imports what Generate returns.
package gen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
)

// Source is the discovery source the generated CIs are imported under.
const Source = "synthetic"

// MinSize is the smallest CMDB Generate builds; smaller sizes are raised to it.
const MinSize = 100

// DefaultDepth is the impact depth the picks are chosen for.
const DefaultDepth = 10

// Unit is a business unit of the catalogue.
type Unit struct {
	Key         string
	Name        string
	Description string
}

// Process is a business process of the catalogue.
type Process struct {
	Key         string
	Name        string
	Criticality cmdb.Criticality
}

// Service is a business or technical service of the catalogue.
type Service struct {
	Key         string
	Name        string
	Criticality cmdb.Criticality
}

// Link is a catalogue link (source)-[:Type]->(target). Source is always a
// catalogue key; Target is a catalogue key or, when TargetIsCI, the
// external id of a CI.
type Link struct {
	Source     string
	Type       string
	Target     string
	TargetIsCI bool
}

// CMDB is one generated estate.
type CMDB struct {
	Size int
	Seed uint64
	// Items are the CIs, Relationships the typed relationships between
	// them, both as a discovery feed of source Source reports them.
	Items         []cmdb.ImportItem
	Relationships []cmdb.ImportRelationship
	// The service catalogue and its links.
	BusinessUnits     []Unit
	BusinessProcesses []Process
	BusinessServices  []Service
	TechnicalServices []Service
	Links             []Link

	// Roles of some CIs, for the picks (external ids, in generation order).
	hosts        []string
	frontends    []string
	coreSwitches []string
	san          string

	graphOnce sync.Once
	graph     *impactGraph
}

// Generate builds a CMDB of size CIs (at least MinSize) from seed.
func Generate(size int, seed uint64) *CMDB {
	size = max(size, MinSize)
	// Applications drive everything else; about 7.5 CIs come with each.
	// Start from an estimate and shrink until the estate fits in size,
	// then pad with documents to reach size exactly.
	apps := max(3, int(float64(size-40-2*(size/5000))/7.55))
	for {
		b := newBuilder(size, seed)
		b.build(apps)
		if len(b.c.Items) <= size {
			b.pad()
			return b.c
		}
		apps = max(3, apps*97/100-1)
	}
}

type builder struct {
	r    *rand.Rand
	size int
	c    *CMDB
	keys map[string]bool

	// Compute CIs waiting for a host, in creation order.
	vms, containers, lbs []string
	apps                 []string
	dns, ntp, ldap       string
	vaults               []string
	sharedDBs            []string
	middleware           []string
}

func newBuilder(size int, seed uint64) *builder {
	return &builder{
		r:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		size: size,
		c:    &CMDB{Size: size, Seed: seed},
		keys: map[string]bool{},
	}
}

func ptr[T any](v T) *T { return &v }

func (b *builder) ci(ext, name string, t cmdb.Type, crit cmdb.Criticality, attrs ...string) string {
	if b.keys[ext] {
		panic("gen: duplicate key " + ext)
	}
	b.keys[ext] = true
	it := cmdb.ImportItem{ExternalID: ext, Name: name, Type: t, Criticality: ptr(crit), Environment: ptr(b.env())}
	for i := 0; i+1 < len(attrs); i += 2 {
		it.Attributes = append(it.Attributes, cmdb.AttributeInput{Key: attrs[i], Value: ptr(attrs[i+1])})
	}
	it.Attributes = append(it.Attributes, b.identifiers(ext, name, t)...)
	b.c.Items = append(b.c.Items, it)
	return ext
}

// identifiers gives hardware a serial number and machines a hostname, as
// discovery reports them, unique to the estate's seed so that estates
// generated side by side never identify each other's CIs.
func (b *builder) identifiers(ext, name string, t cmdb.Type) []cmdb.AttributeInput {
	var out []cmdb.AttributeInput
	switch t {
	case cmdb.TypeServer, cmdb.TypeNetworkDevice, cmdb.TypeStorage:
		out = append(out, cmdb.AttributeInput{Key: "serialNumber", Value: ptr(fmt.Sprintf("SN-%d-%s", b.c.Seed, ext))})
	}
	switch t {
	case cmdb.TypeServer, cmdb.TypeVirtualMachine:
		out = append(out, cmdb.AttributeInput{Key: "hostname", Value: ptr(fmt.Sprintf("%s.s%d.example.net", name, b.c.Seed))})
	}
	return out
}

// AssetSource is the second discovery source of a generated estate: an
// asset register that knows the estate's hardware and machines under ids of
// its own.
const AssetSource = "asset-register"

// AssetFeed is the asset register's feed of c: every item with an
// identifying attribute, under the register's external id, with the same
// identifiers, a location and a warranty date. Imported after c, each row
// is identified as c's CI.
func AssetFeed(c *CMDB) []cmdb.ImportItem {
	var out []cmdb.ImportItem
	for i, it := range c.Items {
		var ids []cmdb.AttributeInput
		for _, a := range it.Attributes {
			if slices.Contains(cmdb.IdentifyingAttributes, a.Key) {
				ids = append(ids, a)
			}
		}
		if len(ids) == 0 {
			continue
		}
		out = append(out, cmdb.ImportItem{ExternalID: "asset-" + it.ExternalID, Name: it.Name, Type: it.Type,
			Location:   ptr(fmt.Sprintf("DC%d hall %c rack %d", 1+i%3, 'A'+rune(i%4), 1+i%40)),
			Attributes: append(ids, cmdb.AttributeInput{Key: "warranty", Value: ptr(fmt.Sprintf("202%d-%02d-28", 7+i%3, 1+i%12))})})
	}
	return out
}

func (b *builder) last() *cmdb.ImportItem { return &b.c.Items[len(b.c.Items)-1] }

func (b *builder) rel(src, typ, tgt string) {
	if src == tgt {
		panic("gen: self relationship on " + src)
	}
	b.c.Relationships = append(b.c.Relationships, cmdb.ImportRelationship{SourceExternalID: src, Type: typ, TargetExternalID: tgt})
}

func (b *builder) env() cmdb.Environment {
	switch x := b.r.IntN(100); {
	case x < 85:
		return cmdb.EnvProduction
	case x < 92:
		return cmdb.EnvStaging
	case x < 96:
		return cmdb.EnvTest
	case x < 98:
		return cmdb.EnvDevelopment
	default:
		return cmdb.EnvDisasterRecovery
	}
}

func (b *builder) crit() cmdb.Criticality {
	switch x := b.r.IntN(100); {
	case x < 10:
		return cmdb.CriticalityCritical
	case x < 35:
		return cmdb.CriticalityHigh
	case x < 80:
		return cmdb.CriticalityMedium
	default:
		return cmdb.CriticalityLow
	}
}

func (b *builder) pick(list []string) string { return list[b.r.IntN(len(list))] }

// pickDistinct picks n distinct elements of list (all of them when n is larger).
func (b *builder) pickDistinct(list []string, n int) []string {
	if n >= len(list) {
		return slices.Clone(list)
	}
	seen := map[int]bool{}
	out := make([]string, 0, n)
	for len(out) < n {
		i := b.r.IntN(len(list))
		if !seen[i] {
			seen[i] = true
			out = append(out, list[i])
		}
	}
	return out
}

var words = []string{"billing", "crm", "payments", "orders", "inventory", "hr", "payroll", "search", "catalog",
	"identity", "reporting", "analytics", "shipping", "pricing", "loyalty", "ledger", "claims", "portal",
	"mobile", "booking", "invoicing", "treasury", "fleet", "warehouse", "support", "marketing", "risk", "tax"}

var oses = []string{"rhel-9", "ubuntu-22.04", "ubuntu-24.04", "debian-12", "windows-2022"}

func (b *builder) word() string { return words[b.r.IntN(len(words))] }

// usesInfra records the shared infrastructure every compute CI relies on.
func (b *builder) usesInfra(ext string) {
	b.rel(ext, "USES", b.dns)
	b.rel(ext, "USES", b.ntp)
	b.rel(ext, "USES", b.ldap)
}

func (b *builder) vm(ext, name string) string {
	b.ci(ext, name, cmdb.TypeVirtualMachine, b.crit(), "os", oses[b.r.IntN(len(oses))], "vcpu", fmt.Sprint(2<<b.r.IntN(4)))
	b.vms = append(b.vms, ext)
	b.usesInfra(ext)
	b.rel(ext, "BACKED_UP_BY", b.pick(b.vaults))
	return ext
}

func (b *builder) build(apps int) {
	// Shared hubs: the network core, the SAN, backup vaults and the
	// infrastructure services every server uses.
	for i := 1; i <= 2; i++ {
		b.c.coreSwitches = append(b.c.coreSwitches, b.ci(fmt.Sprintf("sw-core-%02d", i), fmt.Sprintf("core-switch-%02d", i), cmdb.TypeNetworkDevice, cmdb.CriticalityCritical, "model", "nexus-9500"))
	}
	b.c.san = b.ci("stor-san-01", "san-01", cmdb.TypeStorage, cmdb.CriticalityCritical, "capacity.tb", "2048")
	for i := 1; i <= 2; i++ {
		b.vaults = append(b.vaults, b.ci(fmt.Sprintf("stor-vault-%02d", i), fmt.Sprintf("backup-vault-%02d", i), cmdb.TypeStorage, cmdb.CriticalityHigh))
	}
	b.dns = b.ci("infra-dns", "dns", cmdb.TypeMiddleware, cmdb.CriticalityCritical)
	b.ntp = b.ci("infra-ntp", "ntp", cmdb.TypeMiddleware, cmdb.CriticalityHigh)
	b.ldap = b.ci("infra-ldap", "ldap", cmdb.TypeMiddleware, cmdb.CriticalityCritical)

	// Two shared database clusters of three members each.
	for i := 1; i <= 2; i++ {
		clu := b.ci(fmt.Sprintf("dbc-shared-%02d", i), fmt.Sprintf("shared-db-cluster-%02d", i), cmdb.TypeCluster, cmdb.CriticalityCritical)
		b.last().MinimumUp = ptr(2)
		b.sharedDBs = append(b.sharedDBs, clu)
		for j := 1; j <= 3; j++ {
			db := b.ci(fmt.Sprintf("db-shared-%02d-%d", i, j), fmt.Sprintf("shared-db-%02d-%d", i, j), cmdb.TypeDatabase, cmdb.CriticalityCritical, "engine", "postgresql-16")
			b.rel(db, "MEMBER_OF", clu)
			b.rel(db, "RUNS_ON", b.vm(fmt.Sprintf("vm-dbs-%02d-%d", i, j), fmt.Sprintf("vm-shared-db-%02d-%d", i, j)))
			b.rel(db, "BACKED_UP_BY", b.pick(b.vaults))
		}
	}
	// Message brokers shared by many applications.
	for i := 1; i <= max(1, b.size/5000); i++ {
		mw := b.ci(fmt.Sprintf("mw-%04d", i), fmt.Sprintf("broker-%04d", i), cmdb.TypeMiddleware, cmdb.CriticalityHigh, "product", "kafka")
		b.middleware = append(b.middleware, mw)
		b.rel(mw, "RUNS_ON", b.vm(fmt.Sprintf("vm-mw-%04d", i), fmt.Sprintf("vm-broker-%04d", i)))
	}

	// Applications in three tiers: backends (depended on by mids), mids
	// (depended on by frontends) and frontends, which nothing depends on.
	nBack := max(1, apps/5)
	nMid := max(1, apps*2/5)
	var backs, mids []string
	for i := range apps {
		tier := 2
		switch {
		case i < nBack:
			tier = 0
		case i < nBack+nMid:
			tier = 1
		}
		app := b.app(i, tier, backs, mids)
		switch tier {
		case 0:
			backs = append(backs, app)
		case 1:
			mids = append(mids, app)
		default:
			b.c.frontends = append(b.c.frontends, app)
		}
	}

	// Hosts: hypervisors carry about 15 VMs, Kubernetes nodes about 25
	// containers; every host sits on a pair of access switches, keeps its
	// data on the SAN and uses the infrastructure services.
	nHV := (len(b.vms) + 14) / 15
	nNode := (len(b.containers) + 24) / 25
	var hvs, nodes []string
	for i := 1; i <= nHV; i++ {
		hvs = append(hvs, b.ci(fmt.Sprintf("hv-%05d", i), fmt.Sprintf("esx-%05d", i), cmdb.TypeServer, b.crit(), "cpu.cores", "64", "ram.gb", "768"))
		b.last().Location = ptr(fmt.Sprintf("DC%d", 1+i%2))
	}
	for i := 1; i <= nNode; i++ {
		nodes = append(nodes, b.ci(fmt.Sprintf("node-%05d", i), fmt.Sprintf("k8s-node-%05d", i), cmdb.TypeServer, b.crit(), "cpu.cores", "32", "ram.gb", "256"))
		b.last().Location = ptr(fmt.Sprintf("DC%d", 1+i%2))
	}
	for _, vm := range b.vms {
		b.rel(vm, "HOSTED_ON", b.pick(hvs))
	}
	for _, c := range b.containers {
		b.rel(c, "RUNS_ON", b.pick(nodes))
	}
	b.c.hosts = append(slices.Clone(hvs), nodes...)
	nPairs := (len(b.c.hosts) + 39) / 40
	var switches []string
	for p := 1; p <= nPairs; p++ {
		for _, side := range []string{"a", "b"} {
			sw := b.ci(fmt.Sprintf("sw-acc-%04d%s", p, side), fmt.Sprintf("access-switch-%04d%s", p, side), cmdb.TypeNetworkDevice, cmdb.CriticalityHigh, "model", "nexus-93180")
			switches = append(switches, sw)
			for _, core := range b.c.coreSwitches {
				b.rel(sw, "CONNECTS_TO", core)
			}
		}
	}
	for i, h := range b.c.hosts {
		p := i / 40
		b.rel(h, "CONNECTS_TO", switches[2*p])
		b.rel(h, "CONNECTS_TO", switches[2*p+1])
		b.rel(h, "STORES_DATA_ON", b.c.san)
		b.usesInfra(h)
	}
	for _, lb := range b.lbs {
		p := b.r.IntN(nPairs)
		b.rel(lb, "CONNECTS_TO", switches[2*p])
		b.rel(lb, "CONNECTS_TO", switches[2*p+1])
	}
	b.catalogue()
}

// app adds one application with its cluster, members, database, load
// balancer and documentation, and returns its external id.
func (b *builder) app(i, tier int, backs, mids []string) string {
	tierName := []string{"core", "api", "web"}[tier]
	w := b.word()
	app := b.ci(fmt.Sprintf("app-%06d", i), fmt.Sprintf("%s-%s-%d", w, tierName, i), cmdb.TypeApplication, b.crit(),
		"language", []string{"java", "go", "python", "dotnet", "node"}[b.r.IntN(5)], "repo", fmt.Sprintf("git/%s-%s-%d", w, tierName, i))
	b.apps = append(b.apps, app)
	doc := b.ci(fmt.Sprintf("doc-%06d", i), fmt.Sprintf("runbook %s-%s-%d", w, tierName, i), cmdb.TypeDocument, cmdb.CriticalityLow)
	b.rel(app, "DOCUMENTED_BY", doc)

	// The application runs on a redundancy group of 2–4 VMs or containers.
	m := 2 + b.r.IntN(3)
	clu := b.ci(fmt.Sprintf("clu-%06d", i), fmt.Sprintf("%s-%s-%d-cluster", w, tierName, i), cmdb.TypeCluster, b.crit())
	b.last().MinimumUp = ptr(m - 1)
	containers := b.r.IntN(100) < 40
	for j := 1; j <= m; j++ {
		var member string
		if containers {
			member = b.ci(fmt.Sprintf("ctr-%06d-%d", i, j), fmt.Sprintf("%s-%s-%d-pod-%d", w, tierName, i, j), cmdb.TypeContainer, b.crit(), "image", fmt.Sprintf("%s-%s:%d", w, tierName, 1+b.r.IntN(40)))
			b.containers = append(b.containers, member)
			b.usesInfra(member)
		} else {
			member = b.vm(fmt.Sprintf("vm-%06d-%d", i, j), fmt.Sprintf("%s-%s-%d-vm-%d", w, tierName, i, j))
		}
		b.rel(member, "MEMBER_OF", clu)
	}
	b.rel(app, "RUNS_ON", clu)
	b.rel(clu, "DOCUMENTED_BY", doc)
	b.rel(app, "USES", b.dns)
	if b.r.IntN(100) < 70 {
		b.rel(app, "USES", b.ldap)
	}

	// Its own database on a dedicated VM.
	if b.r.IntN(100) < []int{80, 50, 30}[tier] {
		db := b.ci(fmt.Sprintf("db-%06d", i), fmt.Sprintf("%s-%s-%d-db", w, tierName, i), cmdb.TypeDatabase, b.crit(), "engine", []string{"postgresql-16", "mysql-8", "oracle-19c", "mssql-2022"}[b.r.IntN(4)])
		b.rel(db, "RUNS_ON", b.vm(fmt.Sprintf("vm-%06d-db", i), fmt.Sprintf("%s-%s-%d-dbvm", w, tierName, i)))
		b.rel(db, "BACKED_UP_BY", b.pick(b.vaults))
		b.rel(db, "DOCUMENTED_BY", doc)
		b.rel(app, "DEPENDS_ON", db)
	}
	if b.r.IntN(100) < []int{70, 30, 0}[tier] {
		b.rel(app, "DEPENDS_ON", b.pick(b.sharedDBs))
	}
	if b.r.IntN(100) < 40 {
		b.rel(app, "USES", b.pick(b.middleware))
	}
	switch tier {
	case 1:
		for _, dep := range b.pickDistinct(backs, 1+b.r.IntN(3)) {
			b.rel(app, "DEPENDS_ON", dep)
		}
	case 2:
		for _, dep := range b.pickDistinct(mids, 1+b.r.IntN(4)) {
			b.rel(app, "DEPENDS_ON", dep)
		}
		if b.r.IntN(100) < 60 {
			lb := b.ci(fmt.Sprintf("lb-%06d", i), fmt.Sprintf("%s-%s-%d-vip", w, tierName, i), cmdb.TypeLoadBalancer, b.crit())
			b.lbs = append(b.lbs, lb)
			b.rel(app, "DEPENDS_ON", lb)
		}
	}
	return app
}

// pad adds documents attached to random applications until the estate
// has exactly size CIs.
func (b *builder) pad() {
	for i := 1; len(b.c.Items) < b.size; i++ {
		doc := b.ci(fmt.Sprintf("doc-x-%06d", i), fmt.Sprintf("design note %d", i), cmdb.TypeDocument, cmdb.CriticalityLow)
		b.rel(b.pick(b.apps), "DOCUMENTED_BY", doc)
	}
}

// catalogue builds services, processes and units over the frontends:
// every frontend application belongs to one technical service (about four
// per service), every technical service to a business service (about five
// per service), which supports one or two processes and is consumed by one
// or two business units.
func (b *builder) catalogue() {
	c := b.c
	front := slices.Clone(c.frontends)
	b.r.Shuffle(len(front), func(i, j int) { front[i], front[j] = front[j], front[i] })
	nTS := max(2, (len(front)+3)/4)
	nBS := max(2, (nTS+4)/5)
	nBP := max(2, (nBS+2)/3)
	nBU := max(2, (nBS+19)/20)
	for i := 1; i <= nTS; i++ {
		c.TechnicalServices = append(c.TechnicalServices, Service{Key: fmt.Sprintf("ts-%05d", i), Name: fmt.Sprintf("%s platform %d", b.word(), i), Criticality: b.crit()})
	}
	for i := 1; i <= nBS; i++ {
		c.BusinessServices = append(c.BusinessServices, Service{Key: fmt.Sprintf("bs-%04d", i), Name: fmt.Sprintf("%s service %d", b.word(), i), Criticality: b.crit()})
	}
	for i := 1; i <= nBP; i++ {
		c.BusinessProcesses = append(c.BusinessProcesses, Process{Key: fmt.Sprintf("bp-%04d", i), Name: fmt.Sprintf("%s process %d", b.word(), i), Criticality: b.crit()})
	}
	for i := 1; i <= nBU; i++ {
		c.BusinessUnits = append(c.BusinessUnits, Unit{Key: fmt.Sprintf("bu-%03d", i), Name: fmt.Sprintf("%s division %d", b.word(), i), Description: "synthetic business unit"})
	}
	for i, app := range front {
		c.Links = append(c.Links, Link{Source: c.TechnicalServices[i%nTS].Key, Type: catalog.DependsOn, Target: app, TargetIsCI: true})
	}
	// A fifth of the technical services build on an earlier one.
	for i := 1; i < nTS; i++ {
		if b.r.IntN(100) < 20 {
			c.Links = append(c.Links, Link{Source: c.TechnicalServices[i].Key, Type: catalog.DependsOn, Target: c.TechnicalServices[b.r.IntN(i)].Key})
		}
	}
	ts := make([]string, nTS)
	for i, s := range c.TechnicalServices {
		ts[i] = s.Key
	}
	b.r.Shuffle(len(ts), func(i, j int) { ts[i], ts[j] = ts[j], ts[i] })
	bsTS := make([][]string, nBS)
	for i, t := range ts {
		bsTS[i%nBS] = append(bsTS[i%nBS], t)
	}
	for i, bs := range c.BusinessServices {
		if b.r.IntN(100) < 20 {
			if extra := b.pick(ts); !slices.Contains(bsTS[i], extra) {
				bsTS[i] = append(bsTS[i], extra)
			}
		}
		for _, t := range bsTS[i] {
			c.Links = append(c.Links, Link{Source: bs.Key, Type: catalog.DependsOn, Target: t})
		}
	}
	var bps, bus []string
	for _, p := range c.BusinessProcesses {
		bps = append(bps, p.Key)
	}
	for _, u := range c.BusinessUnits {
		bus = append(bus, u.Key)
	}
	for _, bs := range c.BusinessServices {
		for _, p := range b.pickDistinct(bps, 1+b.r.IntN(2)) {
			c.Links = append(c.Links, Link{Source: bs.Key, Type: catalog.Supports, Target: p})
		}
		for _, u := range b.pickDistinct(bus, 1+b.r.IntN(2)) {
			c.Links = append(c.Links, Link{Source: u, Type: catalog.Consumes, Target: bs.Key})
		}
	}
}
