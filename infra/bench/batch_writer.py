"""The baselines of the import benchmark: the usual Python loader. Reads the
same Big5 learner-hour CSV and writes one item per row with boto3's
batch_writer into the same DynamoDB Local table, without any validation;
with threads > 1 the rows are handed out in chunks of 500 to that many
threads, each with its own session and batch_writer (boto3 resources are not
thread-safe). prefix keeps each run's items apart from the other runs'.
Prints rows and seconds as JSON."""
import csv
import hashlib
import json
import sys
import threading
import time

import boto3


def item(r, prefix):
    nid, name, inst, course, s, e, cat, total = r[:8]
    key = hashlib.sha256("\x1f".join([nid, inst, course, s, e, cat]).encode()).hexdigest()[:24]
    return {
        "pk": prefix + "#" + nid, "sk": "REC#2026#B#" + key, "gsi1pk": "AGENCY#baseline#2026",
        "gsi1sk": cat + "#" + nid + "#" + key, "courseName": course, "institution": inst,
        "start": s, "end": e, "category": cat, "hours": int(total), "status": "final",
    }


def table(endpoint, name):
    return boto3.session.Session().resource(
        "dynamodb", endpoint_url=endpoint, region_name="ap-northeast-1",
        aws_access_key_id="local", aws_secret_access_key="local").Table(name)


def main(endpoint, table_name, path, threads="1", prefix="BASE"):
    threads = int(threads)
    tables = [table(endpoint, table_name) for _ in range(threads)]
    start = time.time()
    with open(path, encoding="big5", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        if threads == 1:
            rows = 0
            with tables[0].batch_writer() as batch:
                for r in reader:
                    batch.put_item(Item=item(r, prefix))
                    rows += 1
        else:
            rows = [0] * threads
            lock = threading.Lock()

            def work(k):
                with tables[k].batch_writer() as batch:
                    while True:
                        with lock:
                            chunk = [r for _, r in zip(range(500), reader)]
                        if not chunk:
                            return
                        for r in chunk:
                            batch.put_item(Item=item(r, prefix))
                        rows[k] += len(chunk)

            ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            rows = sum(rows)
    print(json.dumps({"rows": rows, "seconds": time.time() - start}))


if __name__ == "__main__":
    main(*sys.argv[1:6])
