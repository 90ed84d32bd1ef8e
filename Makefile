# 終身學習入口網站 管理後台 — every command a newcomer, a tester or CI needs.
#   make run    the whole system at http://localhost:8080 (DynamoDB Local, S3, schedules, demo data)
#   make test   every test, against DynamoDB Local, the embedded S3, RIE and headless Chromium
#   make check  the fast tier: gofmt, vet, staticcheck, unit tests with -race, front-end source checks (no DynamoDB Local)
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
export CACHE ?= $(HOME)/.cache/lifelong-backoffice
export LIFELONG_CACHE := $(CACHE)

# How every bootstrap is built, here and by `sam build` (BuildMethod: makefile).
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags="-s -w -buildid="
ARCH ?= arm64
FUNCTIONS := AuthorizerFunction PlatformFunction IdentityFunction HomeFunction CourseFunction ExportsFunction ExportWorkerFunction \
	ImportFunction ImportApplyFunction ImportsFunction ImportWorkerFunction EnrollmentFunction NightlyFunction RollupFunction SummaryFunction RosterTransferFunction ReportsFunction \
	PreTrafficHookFunction
dir_AuthorizerFunction := authorizer
dir_PlatformFunction := platform
dir_IdentityFunction := identity
dir_HomeFunction := home
dir_CourseFunction := course
dir_ExportsFunction := exports
dir_ExportWorkerFunction := exportworker
dir_ImportFunction := importer
dir_NightlyFunction := nightly
dir_RollupFunction := rollup
dir_SummaryFunction := summaries
dir_RosterTransferFunction := rostertransfer
dir_ImportApplyFunction := importapply
dir_ImportsFunction := imports
dir_ImportWorkerFunction := importworker
dir_EnrollmentFunction := enrollment
dir_ReportsFunction := reports
dir_PreTrafficHookFunction := pretraffic

RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
RIE := $(CACHE)/bin/aws-lambda-rie

.PHONY: run check test go-test e2e e2e-clocks bench build lint lint-go lint-template mutate clean clean-data tools deploy deploy-edge deploy-web deploy-codes migrate first-admin help

help:
	@grep -E '^#   make' Makefile | sed 's/^#   //'

run: ## the whole system on this machine (Ctrl-C stops all of it)
	@$(GO) build -o build/local ./infra/local
	@./build/local

# The fast tier (issue 30): no DynamoDB Local, no browser; tests that need the
# local stack skip themselves under -short (stacktest.Endpoint). CI runs it first.
STATICCHECK_VERSION := v0.8.2
check: lint-go ## gofmt, vet, tidy, staticcheck, the unit tests with -race, the front end's source checks
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	$(GO) test -short -race -count=1 ./...
	cd web/e2e && node --test nohtml.test.mjs reportdef.test.mjs vendor.test.mjs

test: tools ## every test; one DynamoDB Local for all of them, stopped at the end
	$(GO) run ./infra/withdynamo -- $(MAKE) --no-print-directory go-test e2e e2e-clocks

go-test:
	RIE_BIN=$(RIE) $(GO) test -count=1 -timeout 25m ./...

e2e: web/e2e/node_modules
	cd web/e2e && node --test --test-concurrency=1 --test-timeout=300000 *.test.mjs

# The browser tests whose outcome depends on the date, again with the system's
# clock at the hours and days where Taipei's calendar and the machine's part
# (the Go integration tests do the same through stacktest.EachClock).
E2E_CLOCKS := 2026-12-10T00:30 2026-12-10T23:30 2026-12-30T00:30 2026-12-30T23:30 2026-12-31T23:30 2027-01-01T00:30
E2E_DATED := catalog.test.mjs enrollment.test.mjs grades.test.mjs review.test.mjs
e2e-clocks: web/e2e/node_modules
	@for c in $(E2E_CLOCKS); do echo "== browser tests at $${c/T/ } Taipei"; \
	  (cd web/e2e && E2E_CLOCK="$${c/T/ }" node --test --test-concurrency=1 --test-timeout=300000 $(E2E_DATED)) || exit 1; done

web/e2e/node_modules: web/e2e/package.json web/e2e/package-lock.json
	cd web/e2e && npm ci --no-audit --no-fund --silent
	@touch $@

bench: ## benchmarks, each with its baselines and ratios (about 30 minutes on 2 cores)
	$(GO) run ./infra/withdynamo -- $(GO) run ./infra/bench -scans 0
	@echo; echo "search against its Scan baseline at a tenth of the size (at full size one Scan takes minutes on DynamoDB Local):"
	$(GO) run ./infra/withdynamo -- $(GO) run ./infra/bench -only search -lecturers 10000 -courses 20000 -scans 5
	@echo; echo "parse + validate of learner-hour rows (Big5), one core; target 300,000 rows/s:"
	$(GO) test -run '^$$' -bench ParseValidate -benchtime 5x -cpu 1 ./shared/imports
	@echo; echo "reports (P5) at demo scale 10, summaries against the raw records:"
	$(GO) run ./infra/withdynamo -- $(GO) run ./infra/bench -only reports
	@echo; echo "statistics (P8-P11, R3) at demo scale 10, nightly rollups against computing on request (issue 17):"
	$(GO) run ./infra/withdynamo -- $(GO) run ./infra/bench -only statistics
	@echo; echo "enrollment rush: 2,000 learners into one class of 500 seats, against the same enrollments one at a time:"
	$(GO) run ./infra/withdynamo -- $(GO) run ./infra/bench -only rush

build: ## every bootstrap, as sam build builds it, into build/<LogicalId>/bootstrap
	@for f in $(FUNCTIONS); do $(MAKE) --no-print-directory build-$$f ARTIFACTS_DIR=build/$$f; done
	@ls -l build/*/bootstrap | awk '{printf "%-40s %6.1f MB\n", $$9, $$5/1048576}'

build-%:
	@test -n "$(dir_$*)" || { echo "no function $*: add it to FUNCTIONS and dir_$* in the Makefile"; exit 1; }
	@mkdir -p $(ARTIFACTS_DIR)
	GOOS=linux GOARCH=$(ARCH) CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(dir_$*)

lint: lint-go lint-template ## gofmt, go vet, go mod tidy leaves no diff, cfn-lint

lint-go: ## the Go checks alone (CI runs them even where cfn-lint is missing)
	@out=$$(gofmt -l $$(git ls-files '*.go')); test -z "$$out" || { echo "gofmt would change: $$out"; exit 1; }
	$(GO) vet ./...
	@cp go.mod /tmp/go.mod.lint && cp go.sum /tmp/go.sum.lint && $(GO) mod tidy && \
	  { git diff --quiet -- go.mod go.sum || { echo "go mod tidy changed go.mod/go.sum"; git diff -- go.mod go.sum; exit 1; }; }

lint-template: ## cfn-lint on template.yaml and infra/edge.yaml
	cfn-lint template.yaml infra/edge.yaml

mutate: ## remove and negate each DynamoDB condition in turn; every mutant must fail its package's tests (about 20 minutes)
	$(GO) run ./infra/withdynamo -- $(GO) run ./infra/mutate

tools: $(RIE)

$(RIE):
	GOBIN=$(CACHE)/bin $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

# Deploys: STAGE=staging or prod (the default); each stage is its own stack
# (samconfig.toml's [staging] and [prod] sections), side by side in one account.
STAGE ?= prod
STACK_prod := lifelong-backoffice
STACK_staging := lifelong-backoffice-staging
STACK ?= $(STACK_$(STAGE))
output = $$(aws cloudformation describe-stacks --stack-name $(STACK) --query "Stacks[0].Outputs[?OutputKey=='$(1)'].OutputValue" --output text)

deploy: ## sam build + sam deploy of STAGE (staging or prod); pass the required parameters once with --guided
	@test -n "$(STACK)" || { echo "STAGE must be staging or prod"; exit 1; }
	sam build --config-env $(STAGE)
	sam deploy --config-env $(STAGE)

deploy-edge: ## the us-east-1 stack of STAGE's WAF web ACL and certificate (DOMAIN=..., ZONE=... optional); its outputs are deploy's WebAclArn and CertificateArn
	@test -n "$(STACK)" || { echo "STAGE must be staging or prod"; exit 1; }
	aws cloudformation deploy --region us-east-1 --template-file infra/edge.yaml --stack-name $(STACK)-edge \
	  --parameter-overrides Stage=$(STAGE) DomainName=$(DOMAIN) HostedZoneId=$(ZONE) --tags Project=lifelong-backoffice Stage=$(STAGE)
	aws cloudformation describe-stacks --region us-east-1 --stack-name $(STACK)-edge --query "Stacks[0].Outputs" --output table

deploy-web: ## web/ to STAGE's site bucket as one content-hashed version (infra/webrelease), then index.html, then a CloudFront invalidation
	rm -rf build/site && $(GO) run ./infra/webrelease -src web -out build/site
	bucket=$(call output,SiteBucketName) && dist=$(call output,SiteDistributionId) && \
	aws s3 sync build/site/v/ s3://$$bucket/v/ --cache-control "public, max-age=31536000, immutable" && \
	aws s3 cp build/site/index.html s3://$$bucket/index.html --cache-control "no-cache" && \
	aws cloudfront create-invalidation --distribution-id $$dist --paths '/' '/index.html' >/dev/null

deploy-codes: ## load shared/codes/tables/*.csv and shared/requirement/tables/*.csv into STAGE's Directory table
	TABLE_DIRECTORY=$$(aws cloudformation describe-stack-resource --stack-name $(STACK) --logical-resource-id DirectoryTable --query StackResourceDetail.PhysicalResourceId --output text) \
	  $(GO) run ./infra/codes -dir shared/codes/tables

migrate: ## once per stage, right after the first deploy of issue 19's keys: re-key STAGE's data written before them (infra/migrate; idempotent, run it again after a crash)
	@test -n "$(STACK)" || { echo "STAGE must be staging or prod"; exit 1; }
	catalog=$$(aws cloudformation describe-stack-resource --stack-name $(STACK) --logical-resource-id CatalogTable --query StackResourceDetail.PhysicalResourceId --output text) && \
	records=$$(aws cloudformation describe-stack-resource --stack-name $(STACK) --logical-resource-id RecordsTable --query StackResourceDetail.PhysicalResourceId --output text) && \
	  $(GO) run ./infra/migrate -catalog $$catalog -records $$records

first-admin: ## day zero of a stage: make SUBJECT (SSO subject; NAME=…) its first system administrator (infra/firstadmin; audited, refuses when one exists, harmless twice)
	@test -n "$(STACK)" || { echo "STAGE must be staging or prod"; exit 1; }
	@test -n "$(SUBJECT)" && test -n "$(NAME)" || { echo "SUBJECT and NAME are required"; exit 1; }
	directory=$$(aws cloudformation describe-stack-resource --stack-name $(STACK) --logical-resource-id DirectoryTable --query StackResourceDetail.PhysicalResourceId --output text) && \
	  $(GO) run ./infra/firstadmin -directory $$directory -subject '$(SUBJECT)' -name '$(NAME)'

clean: ## build outputs (the DynamoDB Local cache stays in $(CACHE))
	rm -rf build .aws-sam

clean-data: ## forget make run's data (demo data is loaded again on next start)
	rm -rf .local
