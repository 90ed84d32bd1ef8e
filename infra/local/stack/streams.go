package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// pollEvery is how often an idle poller reads its shards again (Lambda polls
// a stream's shards four times a second).
const pollEvery = 250 * time.Millisecond

// streamPoller is Lambda's event source mapping for one DynamoDB event of the
// template, run against DynamoDB Local's stream of the table: it reads every
// shard from its start (TRIM_HORIZON), a child shard once its parent is read
// to its end, and invokes the function with batches of up to BatchSize
// records of one shard, in order, as the mapping does:
//   - a batch is sent when full, when its first record waited Window, or at
//     once when a test waits for the stream (Wait);
//   - a function error is retried, the batch split in two first when Bisect;
//   - with ItemFailures, the records from the lowest sequence number answered
//     as failed are retried (the ones before it are done);
//   - after Retries retries the batch is given up (logged; in AWS it goes to
//     the on-failure destination) and the shard moves on.
//
// One batch of a shard at a time (ParallelizationFactor 1): the version
// guard of the summaries does not depend on it.
type streamPoller struct {
	src     StreamSource
	table   string
	ddb     *dynamodb.Client
	streams *dynamodbstreams.Client
	handler lambda.Handler
	wake    chan struct{}

	mu      sync.Mutex
	cond    *sync.Cond
	asked   int // Wait calls so far
	drained int // the last Wait call a full, empty cycle started after
	stopped bool
	passing bool            // Pass: batches are marked done without invoking the function
	givenUp int             // batches given up after their retries
	invoked int             // invocations, failed or not
	handled int             // records in batches the function finished
	lags    []time.Duration // per record: from its write (ApproximateCreationDateTime) to its batch done
}

func newStreamPoller(src StreamSource, table string, ddb *dynamodb.Client, streams *dynamodbstreams.Client, h lambda.Handler) *streamPoller {
	p := &streamPoller{src: src, table: table, ddb: ddb, streams: streams, handler: h, wake: make(chan struct{}, 1)}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// shard is the poller's position in one shard.
type shard struct {
	id, parent string
	iterator   string // "" before the first read or after an error
	last       string // sequence number of the last record handed to a batch
	closed     bool   // read to its end
	pending    []events.DynamoDBEventRecord
	since      time.Time // when the first pending record was read
}

// run polls until ctx ends.
func (p *streamPoller) run(ctx context.Context) {
	defer func() {
		p.mu.Lock()
		p.stopped = true
		p.cond.Broadcast()
		p.mu.Unlock()
	}()
	desc, err := p.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(p.table)})
	if err != nil || desc.Table.LatestStreamArn == nil {
		slog.Error("stream poller: the table has no stream", "table", p.table, "function", p.src.Function, "err", err)
		return
	}
	arn := *desc.Table.LatestStreamArn
	shards := map[string]*shard{}
	var order []string
	for ctx.Err() == nil {
		p.mu.Lock()
		cycle := p.asked
		p.mu.Unlock()
		if err := p.discover(ctx, arn, shards, &order); err != nil && ctx.Err() == nil {
			slog.Warn("stream poller: describe stream", "table", p.table, "err", err)
		}
		busy := false
		for _, id := range order {
			sh := shards[id]
			if sh.closed && len(sh.pending) == 0 || (sh.parent != "" && shards[sh.parent] != nil && !shards[sh.parent].done()) {
				continue
			}
			read, err := p.read(ctx, arn, sh)
			if err != nil && ctx.Err() == nil {
				slog.Warn("stream poller: get records", "table", p.table, "shard", sh.id, "err", err)
				busy = true // try again soon
			}
			busy = busy || read > 0
			if p.flush(ctx, sh) {
				busy = true
			}
			busy = busy || len(sh.pending) > 0
		}
		if !busy {
			p.mu.Lock()
			if cycle > p.drained {
				p.drained = cycle
				p.cond.Broadcast()
			}
			waiting := p.asked > p.drained
			p.mu.Unlock()
			if waiting {
				continue // a Wait came in during this cycle: one more cycle answers it
			}
			select {
			case <-ctx.Done():
			case <-p.wake:
			case <-time.After(pollEvery):
			}
		}
	}
}

func (sh *shard) done() bool { return sh.closed && len(sh.pending) == 0 }

// discover adds the stream's shards not yet known.
func (p *streamPoller) discover(ctx context.Context, arn string, shards map[string]*shard, order *[]string) error {
	var start *string
	for {
		out, err := p.streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn), ExclusiveStartShardId: start})
		if err != nil {
			return err
		}
		for _, s := range out.StreamDescription.Shards {
			id := aws.ToString(s.ShardId)
			if shards[id] == nil {
				shards[id] = &shard{id: id, parent: aws.ToString(s.ParentShardId)}
				*order = append(*order, id)
			}
		}
		if out.StreamDescription.LastEvaluatedShardId == nil {
			return nil
		}
		start = out.StreamDescription.LastEvaluatedShardId
	}
}

// read appends what the shard has after its position to its pending batch
// (up to the batch size); it returns how many records it read.
func (p *streamPoller) read(ctx context.Context, arn string, sh *shard) (int, error) {
	if sh.closed || len(sh.pending) >= p.src.BatchSize {
		return 0, nil
	}
	if sh.iterator == "" {
		in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(sh.id),
			ShardIteratorType: types.ShardIteratorTypeTrimHorizon}
		if sh.last != "" {
			in.ShardIteratorType, in.SequenceNumber = types.ShardIteratorTypeAfterSequenceNumber, aws.String(sh.last)
		}
		it, err := p.streams.GetShardIterator(ctx, in)
		if err != nil {
			return 0, err
		}
		sh.iterator = aws.ToString(it.ShardIterator)
	}
	out, err := p.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(sh.iterator),
		Limit: aws.Int32(int32(min(p.src.BatchSize-len(sh.pending), 1000)))})
	if err != nil {
		sh.iterator = "" // expired or trimmed: start again after the last record taken
		return 0, err
	}
	for _, r := range out.Records {
		sh.last = aws.ToString(r.Dynamodb.SequenceNumber)
		if !p.src.Passes(keyStrings(r.Dynamodb.Keys)) {
			continue // filtered out before the function, as FilterCriteria does
		}
		if len(sh.pending) == 0 {
			sh.since = time.Now()
		}
		sh.pending = append(sh.pending, eventRecord(r, arn))
	}
	if out.NextShardIterator == nil {
		sh.closed = true
	} else {
		sh.iterator = *out.NextShardIterator
	}
	return len(out.Records), nil
}

// flush invokes the function with the shard's pending batch when it is due;
// it reports whether it sent one.
func (p *streamPoller) flush(ctx context.Context, sh *shard) bool {
	if len(sh.pending) == 0 {
		return false
	}
	p.mu.Lock()
	waited := p.asked > p.drained
	p.mu.Unlock()
	due := len(sh.pending) >= p.src.BatchSize || time.Since(sh.since) >= p.src.Window || waited || sh.closed
	if !due {
		return false
	}
	batch := sh.pending
	sh.pending = nil
	p.mu.Lock()
	passing := p.passing
	p.mu.Unlock()
	if passing {
		p.done(batch)
		return true
	}
	p.deliver(ctx, batch, p.src.Retries)
	return true
}

// deliver invokes the function with batch until it succeeds or its retries
// are spent (retries < 0: without end, as Lambda until the records expire).
func (p *streamPoller) deliver(ctx context.Context, batch []events.DynamoDBEventRecord, retries int) {
	for attempt := 0; len(batch) > 0 && ctx.Err() == nil; attempt++ {
		failedAt, err := p.invoke(ctx, batch)
		if err == nil && failedAt < 0 {
			p.done(batch)
			return
		}
		if err == nil {
			p.done(batch[:failedAt])
			batch = batch[failedAt:] // the records before the first failed one are done
		}
		if retries == 0 {
			p.mu.Lock()
			p.givenUp++
			p.mu.Unlock()
			slog.Error("stream poller: batch given up after its retries (in AWS: sent to the on-failure destination)",
				"function", p.src.Function, "records", len(batch), "first", batch[0].Change.SequenceNumber, "err", err)
			return
		}
		if retries > 0 {
			retries--
		}
		if err != nil && p.src.Bisect && len(batch) > 1 {
			half := len(batch) / 2
			p.deliver(ctx, batch[:half], retries)
			p.deliver(ctx, batch[half:], retries)
			return
		}
		// Lambda backs off between retries; a short, growing pause keeps a
		// failing function from spinning a core.
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(math.Min(float64(attempt+1)*20, 1000)) * time.Millisecond):
		}
	}
}

// done counts records whose batch the function finished, and their lag.
func (p *streamPoller) done(recs []events.DynamoDBEventRecord) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.handled += len(recs)
	for _, r := range recs {
		if at := r.Change.ApproximateCreationDateTime.Time; !at.IsZero() {
			p.lags = append(p.lags, now.Sub(at))
		}
	}
}

// invoke calls the function once with batch. It returns the index of the
// first record answered as failed (-1: none), or the function's error (a
// panic counts as one, as in Lambda); an answer naming no record of the
// batch fails the whole batch, as Lambda treats it.
func (p *streamPoller) invoke(ctx context.Context, batch []events.DynamoDBEventRecord) (failedAt int, err error) {
	p.mu.Lock()
	p.invoked++
	p.mu.Unlock()
	payload, err := json.Marshal(events.DynamoDBEvent{Records: batch})
	if err != nil {
		return -1, err
	}
	var out []byte
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("function panicked: %v", r)
			}
		}()
		out, err = p.handler.Invoke(ctx, payload)
	}()
	if err != nil {
		return -1, err
	}
	if !p.src.ItemFailures {
		return -1, nil
	}
	var resp events.DynamoDBEventResponse
	if len(out) > 0 && string(out) != "null" {
		if err := json.Unmarshal(out, &resp); err != nil {
			return -1, fmt.Errorf("answer %.100s: %w", out, err)
		}
	}
	failedAt = -1
	for _, f := range resp.BatchItemFailures {
		i := -1
		for j, r := range batch {
			if r.Change.SequenceNumber == f.ItemIdentifier {
				i = j
				break
			}
		}
		if i < 0 {
			return -1, errors.New("a batch item failure names no record of the batch")
		}
		if failedAt < 0 || i < failedAt {
			failedAt = i
		}
	}
	return failedAt, nil
}

// Wait returns once every record the stream held when it was called has
// been handed to the function and its batch finished (or was given up), or
// when ctx ends.
func (p *streamPoller) Wait(ctx context.Context) error {
	p.mu.Lock()
	p.asked++
	mine := p.asked
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.drained < mine && !p.stopped && ctx.Err() == nil {
		p.cond.Wait()
	}
	if p.drained < mine {
		if p.stopped {
			return errors.New("the stream poller stopped")
		}
		return ctx.Err()
	}
	return nil
}

// StreamStats says what the pollers did: invocations, records handled,
// batches given up, and each handled record's lag from its write to the end
// of its batch (DynamoDB Local stamps a record's creation to the second, so a
// lag is exact to about a second).
type StreamStats struct {
	Invocations, Handled, GivenUp int
	Lags                          []time.Duration
}

func (p *streamPoller) stats(reset bool) StreamStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := StreamStats{Invocations: p.invoked, Handled: p.handled, GivenUp: p.givenUp, Lags: p.lags}
	if reset {
		p.lags = nil
	}
	return st
}

// eventRecord is a stream record as Lambda delivers it to the function.
func eventRecord(r types.Record, arn string) events.DynamoDBEventRecord {
	out := events.DynamoDBEventRecord{EventID: aws.ToString(r.EventID), EventName: string(r.EventName),
		EventVersion: aws.ToString(r.EventVersion), EventSource: "aws:dynamodb", AWSRegion: aws.ToString(r.AwsRegion),
		EventSourceArn: arn}
	if d := r.Dynamodb; d != nil {
		out.Change = events.DynamoDBStreamRecord{Keys: image(d.Keys), NewImage: image(d.NewImage), OldImage: image(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber), SizeBytes: aws.ToInt64(d.SizeBytes), StreamViewType: string(d.StreamViewType)}
		if d.ApproximateCreationDateTime != nil {
			out.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
		}
	}
	return out
}

// keyStrings are a record's string keys.
func keyStrings(keys map[string]types.AttributeValue) map[string]string {
	out := make(map[string]string, len(keys))
	for k, v := range keys {
		if s, ok := v.(*types.AttributeValueMemberS); ok {
			out[k] = s.Value
		}
	}
	return out
}

func image(m map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = attribute(v)
	}
	return out
}

func attribute(v types.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value)
	case *types.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			l[i] = attribute(e)
		}
		return events.NewListAttribute(l)
	case *types.AttributeValueMemberM:
		return events.NewMapAttribute(image(v.Value))
	}
	return events.NewNullAttribute()
}
