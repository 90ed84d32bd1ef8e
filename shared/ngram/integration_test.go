package ngram_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/ngram"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

// Matches that sit behind many non-matching postings of the same gram (far
// more than one DynamoDB page of them) are still found, in order, and paged.
func TestSparseMatchesBehindManyPostings(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	ix := ngram.Index{Table: env.Tables.Catalog}
	var items []any
	for i := range 3000 { // 王 + a filler name: all share the gram 王
		name := ngram.Normalize(fmt.Sprintf("王%04d甲", i))
		if i >= 2990 {
			name = ngram.Normalize(fmt.Sprintf("王%04d大明", i))
		}
		for _, p := range (ngram.Doc{Scope: "T", Sort: name, Key: fmt.Sprint(i), N: name}).Postings() {
			items = append(items, p)
		}
	}
	if err := store.WriteAll(context.Background(), env.Tables.Catalog, items, 8); err != nil {
		t.Fatal(err)
	}
	q := ngram.Query{Scope: "T", Terms: []string{"王"}, N: "大明", Limit: 4} // one gram: a sparse filter on a big partition
	var got []string
	for pages := 0; ; pages++ {
		p, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Keys...)
		if p.Next == "" || pages > 5 {
			break
		}
		q.After = p.Next
	}
	if fmt.Sprint(got) != "[2990 2991 2992 2993 2994 2995 2996 2997 2998 2999]" {
		t.Errorf("found %v", got)
	}
}
