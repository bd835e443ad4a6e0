/* test_fixtures.h — invented articles for the dedup tests: one story told
 * by two outlets that share quotes, and a syndicated copy of the first. */
#ifndef WN_TEST_FIXTURES_H
#define WN_TEST_FIXTURES_H

/* Outlet "harbour-post": the original. */
static const char story_original[] =
	"Marrowby footbridge opening pushed back to spring\n"
	"\n"
	"The opening of the tidal footbridge across Marrowby harbour has been delayed until the spring, "
	"the town council confirmed on Tuesday, after inspectors found that two of the steel hinges "
	"had been cast to the wrong tolerance.\n"
	"\n"
	"Mayor Elin Tarrant told a packed meeting at the corn exchange that the council would not open "
	"a bridge it could not vouch for. “We’re not going to put a single walker on that deck until "
	"every hinge has been tested under a full spring tide,” she said.\n"
	"\n"
	"The bridge, which swings aside to let fishing boats into the inner basin, was due to open in "
	"November. Its cost has risen from four million pounds to nearly five and a half million since "
	"the work began two years ago.\n"
	"\n"
	"The chief engineer, Dafydd Orme, said the fault was found during routine load checks. “There’s "
	"no danger to anyone today, because the deck has never carried the public — and it won’t until "
	"the foundry has recast both hinges and we have watched them work through a whole month of tides,” "
	"he said.\n"
	"\n"
	"Traders on the quay said the delay would cost them another winter of lost custom. Many had "
	"hoped that walkers crossing from the car park on the north shore would bring new trade to the "
	"cafes and the chandlery.\n"
	"\n"
	"The foundry in Ashcombe that cast the hinges has accepted responsibility and will pay for the "
	"replacements, according to the council. A spokesman for the firm declined to comment on how "
	"the error had happened.\n"
	"\n"
	"Councillor Ruth Penhale, who chairs the harbour committee, said the council had learned hard "
	"lessons about relying on a single supplier for the critical parts of a moving structure.\n"
	"\n"
	"The council will publish a revised timetable at its next meeting, and residents will be able "
	"to walk the deck at an open day before the bridge enters service.\n"
	"\n"
	"Harbour master Colin Treloar said boats would continue to use the outer moorings in the "
	"meantime, and that the temporary ferry across the basin would keep running through the winter "
	"at no charge to passengers.\n";

/* Outlet "coast-ledger": the same event, written afresh; shares Tarrant's
 * quote with other dashes and contractions, and a fragment of Orme's. */
static const char story_same_event[] =
	"Hinge fault delays Marrowby bridge\n"
	"\n"
	"Walkers hoping to cross Marrowby harbour by Christmas will have to wait, after a fault in the "
	"swing mechanism of the new footbridge forced the council to abandon its November opening.\n"
	"\n"
	"Speaking at the corn exchange, the mayor was blunt about the reasons. \"We are not going to put "
	"a single walker on that deck until every hinge has been tested under a full spring tide,\" "
	"Elin Tarrant said, to applause from the audience.\n"
	"\n"
	"Engineers discovered the problem while checking loads on the swinging span last month. The "
	"project engineer said the public had never been at risk and that the deck would stay closed "
	"\"until the foundry has recast both hinges\" and the new parts had been watched through a whole "
	"month of tides.\n"
	"\n"
	"Opposition councillors have seized on the delay. Mark Venning, leader of the independent group, "
	"called the project a lesson in wishful budgeting and demanded an independent review of how "
	"the contract was awarded in the first place.\n"
	"\n"
	"The ledger understands that the final bill could exceed six million pounds once the cost of "
	"the temporary ferry and extra inspections is included, although council officers dispute the "
	"figure and say the foundry will cover its own mistake.\n"
	"\n"
	"Fishermen, who fought for the bridge to swing rather than lift, said they were relieved the "
	"fault had been caught before the span was in daily use.\n";

/* Outlet "valley-wire": the original syndicated, with its own headline and
 * footer, two words changed and the last three paragraphs cut. */
static const char story_syndicated[] =
	"Delay for tidal footbridge as hinges fail checks\n"
	"\n"
	"The opening of the tidal footbridge across Marrowby harbour has been delayed until the spring, "
	"the town council confirmed on Tuesday, after inspectors found that two of the steel hinges "
	"had been made to the wrong tolerance.\n"
	"\n"
	"Mayor Elin Tarrant told a crowded meeting at the corn exchange that the council would not open "
	"a bridge it could not vouch for. “We’re not going to put a single walker on that deck until "
	"every hinge has been tested under a full spring tide,” she said.\n"
	"\n"
	"The bridge, which swings aside to let fishing boats into the inner basin, was due to open in "
	"November. Its cost has risen from four million pounds to nearly five and a half million since "
	"the work began two years ago.\n"
	"\n"
	"The chief engineer, Dafydd Orme, said the fault was found during routine load checks. “There’s "
	"no danger to anyone today, because the deck has never carried the public - and it won’t until "
	"the foundry has recast both hinges and we have watched them work through a whole month of tides,” "
	"he said.\n"
	"\n"
	"Traders on the quay said the delay would cost them another winter of lost custom. Many had "
	"hoped that walkers crossing from the car park on the north shore would bring new trade to the "
	"cafes and the chandlery.\n"
	"\n"
	"The foundry in Ashcombe that cast the hinges has accepted responsibility and will pay for the "
	"replacements, according to the council.\n"
	"\n"
	"Share this story with a friend\n"
	"\n"
	"More from the Valley Wire network\n";

/* Outlet "hill-gazette": another story entirely, with no quote in common. */
static const char story_unrelated[] =
	"Hill farmers count cost of wet summer\n"
	"\n"
	"Sheep farmers across the upper dale say the wettest summer in a generation has left them short "
	"of hay for the winter, with many forced to buy feed from lowland suppliers at double the usual "
	"price.\n"
	"\n"
	"\"We have cut less than half of what we would normally put in the barn, and what we did cut was "
	"poor stuff,\" said Morwenna Kitto, who farms eight hundred ewes above the village of Tredinnick.\n"
	"\n"
	"The agricultural society has set up a fund to help the smallest holdings, and a haulier in the "
	"valley has offered to move donated bales free of charge until the end of the year.\n";

#endif
