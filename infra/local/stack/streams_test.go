package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/ecpa-lifelong/backoffice/infra/ddblocal"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
)

// fakeFunction is a stream function that fails on chosen items: "poison"
// always (a function error), "crash" once (a panic), "flaky" once (a batch
// item failure). It records the items of every batch it finished.
type fakeFunction struct {
	mu       sync.Mutex
	seen     map[string]int
	batches  [][]string
	finished []string
}

func (f *fakeFunction) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, r := range ev.Records {
		ids = append(ids, r.Change.Keys["pk"].String())
	}
	f.batches = append(f.batches, ids)
	for i, r := range ev.Records {
		id := ids[i]
		f.seen[id]++
		switch {
		case id == "poison":
			return nil, errors.New("poisoned")
		case id == "crash" && f.seen[id] == 1:
			panic("the function crashed mid-batch")
		case id == "flaky" && f.seen[id] == 1:
			f.finished = append(f.finished, ids[:i]...)
			return json.Marshal(events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: r.Change.SequenceNumber}}})
		}
	}
	f.finished = append(f.finished, ids...)
	return json.Marshal(events.DynamoDBEventResponse{})
}

// The poller gives the function Lambda's semantics on DynamoDB Local's real
// stream: a crash and a function error bisect the batch, an item failure
// retries from that item, a record failing every retry is given up alone,
// and every other record is handled once its batch finished, in order.
func TestStreamPollerLambdaSemantics(t *testing.T) {
	endpoint := os.Getenv(settings.DynamoDBEndpoint)
	if endpoint == "" {
		db, err := ddblocal.Start(context.Background(), ddblocal.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Stop()
		endpoint = db.Endpoint
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := aws.Config{Region: "ap-northeast-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	ddb := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })
	streams := dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(endpoint) })
	table := fmt.Sprintf("poller%d", time.Now().UnixNano())
	_, err := ddb.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(table), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}})
	if err != nil {
		t.Fatal(err)
	}
	items := []string{"a", "b", "crash", "c", "poison", "d", "flaky", "e"}
	for _, id := range items {
		if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table),
			Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: id}}}); err != nil {
			t.Fatal(err)
		}
	}
	fn := &fakeFunction{seen: map[string]int{}}
	p := newStreamPoller(StreamSource{Function: "Fake", BatchSize: len(items), Bisect: true, ItemFailures: true, Retries: 3},
		table, ddb, streams, fn)
	go p.run(ctx)
	if err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	want := slices.DeleteFunc(slices.Clone(items), func(s string) bool { return s == "poison" })
	if !slices.Equal(fn.finished, want) {
		t.Fatalf("records handled %v, want %v in stream order (batches %v)", fn.finished, want, fn.batches)
	}
	st := p.stats(false)
	if st.GivenUp != 1 || st.Handled != len(want) {
		t.Fatalf("stats %+v, want the poison alone given up and %d handled (batches %v)", st, len(want), fn.batches)
	}
	if !slices.ContainsFunc(fn.batches, func(b []string) bool { return len(b) == 1 && b[0] == "poison" }) {
		t.Fatalf("the failing record was never isolated by bisection: batches %v", fn.batches)
	}
	// Nothing more arrives: a second wait returns at once with nothing new.
	if err := p.Wait(ctx); err != nil || !slices.Equal(fn.finished, want) {
		t.Fatalf("a second wait: %v, handled %v", err, fn.finished)
	}
}
