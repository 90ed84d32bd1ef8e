package summary

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/guregu/dynamo/v2"
	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/records"
)

// Stream keeps the summaries from the Records table's stream (issue 25,
// docs/summaries.md): the writers of records write records only, and
// SummaryFunction receives their changes in batches. A batch's person-years
// are recomputed once each (Repo's version guard: a replayed or late batch
// recomputes from the records as they are now and can never overwrite a
// newer summary), changes to anything but record items are ignored, and so
// is a MODIFY that left every counted value as it was (a download mark).
type Stream struct{ Repo Repo }

// Handle recomputes the person-years of a batch. A person-year that could not
// be recomputed is answered as a batch item failure naming the first record
// of the batch that named it: Lambda retries from there (the person-years
// before it are done), and a replayed record only recomputes again.
func (s Stream) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	first := map[records.PersonYear]int{} // person-year → index of the first record naming it
	var keys []records.PersonYear
	skipped := 0
	for i, rec := range ev.Records {
		k, ok := ChangedPersonYear(rec)
		if !ok {
			skipped++
			continue
		}
		if _, seen := first[k]; !seen {
			first[k] = i
			keys = append(keys, k)
		}
	}
	var resp events.DynamoDBEventResponse
	if len(keys) == 0 {
		return resp, nil
	}
	failed := len(ev.Records) // index of the first failed record; len: none
	fail := func(i int) {
		if i < failed {
			failed = i
		}
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.PersonID
	}
	people, err := s.Repo.People.GetMany(ctx, ids)
	if err != nil {
		slog.ErrorContext(ctx, "summaries: directory", "err", err, "personYears", len(keys))
		fail(0)
	} else {
		var mu sync.Mutex
		var g errgroup.Group // no shared context: one person-year's failure must not cancel the others
		g.SetLimit(s.Repo.workers())
		for _, k := range keys {
			g.Go(func() error {
				if _, err := s.Repo.recompute(ctx, k, people); err != nil {
					slog.ErrorContext(ctx, "summaries: recompute", "err", err)
					mu.Lock()
					fail(first[k])
					mu.Unlock()
				}
				return nil
			})
		}
		_ = g.Wait()
	}
	if failed < len(ev.Records) {
		resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: ev.Records[failed].Change.SequenceNumber}}
	}
	slog.InfoContext(ctx, "summaries: batch", "records", len(ev.Records), "personYears", len(keys),
		"skipped", skipped, "failed", len(resp.BatchItemFailures) > 0)
	return resp, nil
}

// ChangedPersonYear is the person-year whose summary a stream record may
// change: false for an item that is not a record (a summary, SUM#, written by
// this very function) and for a MODIFY that left the counted values as they
// were.
func ChangedPersonYear(rec events.DynamoDBEventRecord) (records.PersonYear, bool) {
	pk, sk := rec.Change.Keys["pk"], rec.Change.Keys["sk"]
	if pk.DataType() != events.DataTypeString || sk.DataType() != events.DataTypeString {
		return records.PersonYear{}, false
	}
	id, ok := strings.CutPrefix(pk.String(), "PERSON#")
	if !ok || !strings.HasPrefix(sk.String(), "REC#") {
		return records.PersonYear{}, false
	}
	year, ok := yearOf(sk.String())
	if !ok || id == "" {
		return records.PersonYear{}, false
	}
	if rec.EventName == string(events.DynamoDBOperationTypeModify) && rec.Change.OldImage != nil && rec.Change.NewImage != nil {
		old, errOld := recordOf(rec.Change.OldImage)
		cur, errNew := recordOf(rec.Change.NewImage)
		if errOld == nil && errNew == nil && countedSame(old, cur) {
			return records.PersonYear{}, false
		}
	}
	return records.PersonYear{PersonID: id, Year: year}, true
}

// countedSame reports whether two versions of a record give every summary
// the same: what Compute reads (counted, hours and their split, category, and
// the agency and end date that name the agency of a person not in the
// directory).
func countedSame(a, b records.Record) bool {
	da, pa := records.Split(a)
	db, pb := records.Split(b)
	return records.Counted(a) == records.Counted(b) && a.Hours == b.Hours && da == db && pa == pb &&
		a.Category == b.Category && a.Agency == b.Agency && a.End == b.End
}

func recordOf(image map[string]events.DynamoDBAttributeValue) (records.Record, error) {
	item := make(map[string]types.AttributeValue, len(image))
	for k, v := range image {
		av, err := attributeValue(v)
		if err != nil {
			return records.Record{}, fmt.Errorf("attribute %s: %w", k, err)
		}
		item[k] = av
	}
	var r records.Record
	err := dynamo.UnmarshalItem(item, &r)
	return r, err
}

// attributeValue converts a stream event's attribute to the SDK's.
func attributeValue(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeList:
		out := &types.AttributeValueMemberL{}
		for _, e := range v.List() {
			av, err := attributeValue(e)
			if err != nil {
				return nil, err
			}
			out.Value = append(out.Value, av)
		}
		return out, nil
	case events.DataTypeMap:
		out := &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}
		for k, e := range v.Map() {
			av, err := attributeValue(e)
			if err != nil {
				return nil, err
			}
			out.Value[k] = av
		}
		return out, nil
	}
	return nil, fmt.Errorf("attribute of unknown type %v", v.DataType())
}
