package catalog

// Item is a record of the impact graph: a cmdb.CI, a Service, a Unit or a
// Process. Linked and Items answer with Items, so that what is passed
// around is one of these and not any value; callers that need more than
// the id and name tell the kinds apart by type.
type Item interface {
	ItemID() string
	ItemName() string
}

// ItemID implements Item.
func (s Service) ItemID() string { return s.ID }

// ItemName implements Item.
func (s Service) ItemName() string { return s.Name }

// ItemID implements Item.
func (u Unit) ItemID() string { return u.ID }

// ItemName implements Item.
func (u Unit) ItemName() string { return u.Name }

// ItemID implements Item.
func (p Process) ItemID() string { return p.ID }

// ItemName implements Item.
func (p Process) ItemName() string { return p.Name }
