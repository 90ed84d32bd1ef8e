package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/guregu/dynamo/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/ecpa-lifelong/backoffice/shared/account"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/home"
	"github.com/ecpa-lifelong/backoffice/shared/hoursfeed"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

// Tables are where Load writes.
type Tables struct {
	Directory, Catalog, Records dynamo.Table
}

type marker struct {
	PK     string    `dynamo:"pk"`
	SK     string    `dynamo:"sk"`
	Seed   uint64    `dynamo:"seed"`
	Scale  int       `dynamo:"scale"`
	Loaded time.Time `dynamo:"loaded"`
}

// Loaded reports whether demo data was loaded into these tables.
func Loaded(ctx context.Context, t Tables) (bool, error) {
	var m marker
	err := t.Directory.Get("pk", "SETTING").Range("sk", dynamo.Equal, "DEMO").One(ctx, &m)
	if errors.Is(err, dynamo.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Counts says how many items of each kind Load wrote.
type Counts struct {
	Agencies, People, Classes, Enrollments, Records, Summaries, Users, Stats, Announcements int
}

// Load writes d. Keys are deterministic, so loading twice leaves one copy.
// The marker is written last: an interrupted load is redone next time.
func Load(ctx context.Context, t Tables, d Data, o Options, workers int) (Counts, error) {
	var dir, cat, rec []any
	paths := map[string]string{}
	for _, a := range d.Agencies {
		paths[a.Code] = a.Path
	}
	for _, a := range d.Agencies {
		dir = append(dir, agency.Keyed(a))
	}
	for _, p := range d.People {
		dir = append(dir, staff.Keyed(p)...)
	}
	for _, u := range d.Users {
		dir = append(dir, account.UserKeyed(u, paths[u.Agency]))
	}
	for _, s := range d.Stats {
		hash, err := bcrypt.GenerateFromPassword([]byte(s.Password), account.BcryptCost)
		if err != nil {
			return Counts{}, err
		}
		a := s.StatsAccount
		a.PasswordHash, a.Changed = hash, time.Now().UTC()
		dir = append(dir, account.StatsKeyed(a, paths[a.Agency]))
	}
	for _, a := range d.Announcements {
		dir = append(dir, home.AnnouncementKeyed(a))
	}
	if o.PlatformKey != nil {
		h, err := hoursfeed.NewHasher(o.PlatformKey)
		if err != nil {
			return Counts{}, err
		}
		for _, p := range d.Platforms {
			c := p.Client
			c.SecretHash = h.Hash(p.Secret)
			dir = append(dir, hoursfeed.Keyed(c))
		}
	}
	for _, c := range d.Classes {
		cat = append(cat, catalog.ClassKeyed(c))
		if c.Enrolled > 0 {
			cat = append(cat, catalog.SeatsKeyed(c))
		}
	}
	for _, e := range d.Enrollments {
		cat = append(cat, catalog.EnrollmentKeyed(e))
	}
	for _, s := range d.Subjects {
		cat = append(cat, catalog.SubjectKeyed(s)...)
	}
	for _, l := range d.Lecturers {
		cat = append(cat, catalog.LecturerKeyed(l)...)
	}
	cats, err := codes.Default(codes.Categories)
	if err != nil {
		return Counts{}, err
	}
	for _, m := range d.Materials {
		cat = append(cat, catalog.MaterialKeyed(m, cats)...)
	}
	for _, r := range d.Records {
		rec = append(rec, records.Keyed(r))
	}
	// The learning summaries of the records, computed here in bulk: the
	// records are written with plain batch puts, which recompute nothing.
	people := make(map[string]staff.Person, len(d.People))
	for _, p := range d.People {
		people[p.ID] = p
	}
	sums := summary.Bulk(d.Records, people, o.Now)
	for _, s := range sums {
		rec = append(rec, summary.Keyed(s, 1))
	}
	for _, job := range []struct {
		table dynamo.Table
		items []any
	}{{t.Directory, dir}, {t.Catalog, cat}, {t.Records, rec}} {
		if err := store.WriteAll(ctx, job.table, job.items, workers); err != nil {
			return Counts{}, fmt.Errorf("load demo data: %w", err)
		}
	}
	m := marker{PK: "SETTING", SK: "DEMO", Seed: o.Seed, Scale: o.Scale, Loaded: time.Now().UTC()}
	if err := t.Directory.Put(m).Run(ctx); err != nil {
		return Counts{}, fmt.Errorf("mark demo data loaded: %w", err)
	}
	return Counts{Agencies: len(d.Agencies), People: len(d.People), Classes: len(d.Classes),
		Enrollments: len(d.Enrollments), Records: len(d.Records), Summaries: len(sums), Users: len(d.Users),
		Stats: len(d.Stats), Announcements: len(d.Announcements)}, nil
}
